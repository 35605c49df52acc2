package io.neuronatlas.query;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The file system of {@code sqlguard:} paths in SqlGuardTest: it records every time Spark or Hadoop opens it, looks
 * a path up or reads one, and has no files. A payload that reads {@code sqlguard:///...} and left this empty read
 * nothing.
 */
public final class MarkerFileSystem extends RawLocalFileSystem {
    static final String SCHEME = "sqlguard";
    static final List<String> TOUCHED = Collections.synchronizedList(new ArrayList<>());

    /** Registers the scheme with the session's Hadoop configuration, uncached so every use is an initialize. */
    static void install(Configuration conf) {
        conf.set("fs." + SCHEME + ".impl", MarkerFileSystem.class.getName());
        conf.setBoolean("fs." + SCHEME + ".impl.disable.cache", true);
    }

    @Override
    public void initialize(URI uri, Configuration conf) throws IOException {
        TOUCHED.add("initialize " + uri);
        super.initialize(uri, conf);
    }

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public FileStatus getFileStatus(Path path) throws IOException {
        TOUCHED.add("getFileStatus " + path);
        throw new FileNotFoundException(path.toString());
    }

    @Override
    public FileStatus[] listStatus(Path path) throws IOException {
        TOUCHED.add("listStatus " + path);
        throw new FileNotFoundException(path.toString());
    }

    @Override
    public FSDataInputStream open(Path path, int bufferSize) throws IOException {
        TOUCHED.add("open " + path);
        throw new FileNotFoundException(path.toString());
    }
}
