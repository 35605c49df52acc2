package io.neuronatlas.corpus;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import net.jpountz.xxhash.StreamingXXHash64;
import net.jpountz.xxhash.XXHashFactory;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The files of a corpus, resolved on the driver in corpus order: the paths as given, a directory standing for its
 * files with a known extension (sorted by name; hidden and _-prefixed files left out, as Spark does), and a
 * fingerprint of their bytes, so that a changed corpus reruns the examples and an unchanged one does not.
 *
 * @param files       in corpus order; a file's index is its place in this list
 * @param fingerprint xxh64 over each file's name, size and bytes
 */
public record Corpus(List<CorpusFile> files, String fingerprint) implements Serializable {
    private static final long SEED = 0x636f72707573L; // "corpus"

    /**
     * @param path   qualified path, as Spark's readers name the file
     * @param key    the path without scheme and authority: how a task's file name is matched to this entry
     */
    public record CorpusFile(String path, String key, CorpusFormat format, long bytes) implements Serializable {
    }

    public Corpus {
        files = List.copyOf(files);
    }

    /**
     * @throws CorpusException for a path that does not exist, a file of unknown extension, a directory with no corpus
     *     file, or no files at all
     */
    public static Corpus resolve(Configuration conf, List<String> paths) throws IOException {
        if (paths.isEmpty()) {
            throw new CorpusException("no --corpus given");
        }
        List<CorpusFile> files = new ArrayList<>();
        for (String given : paths) {
            Path path = new Path(given);
            FileSystem fs = path.getFileSystem(conf);
            if (!fs.exists(path)) {
                throw new CorpusException("--corpus " + given + ": no such file or directory");
            }
            FileStatus status = fs.getFileStatus(path);
            if (status.isDirectory()) {
                FileStatus[] children = fs.listStatus(path);
                Arrays.sort(children, Comparator.comparing(s -> s.getPath().getName()));
                int before = files.size();
                for (FileStatus child : children) {
                    String name = child.getPath().getName();
                    CorpusFormat format = CorpusFormat.of(name);
                    if (child.isFile() && format != null && !name.startsWith(".") && !name.startsWith("_")) {
                        files.add(file(fs, child, format));
                    }
                }
                if (files.size() == before) {
                    throw new CorpusException("--corpus " + given + ": a directory with no corpus file (known "
                            + "extensions: " + CorpusFormat.known() + ")");
                }
            } else {
                CorpusFormat format = CorpusFormat.of(path.getName());
                if (format == null) {
                    throw new CorpusException("--corpus " + given + ": unknown file type; a corpus file ends in "
                            + CorpusFormat.known());
                }
                files.add(file(fs, status, format));
            }
        }
        List<String> keys = files.stream().map(CorpusFile::key).toList();
        if (keys.stream().distinct().count() != keys.size()) {
            throw new CorpusException("--corpus names a file twice: " + keys);
        }
        return new Corpus(files, fingerprint(conf, files));
    }

    private static CorpusFile file(FileSystem fs, FileStatus status, CorpusFormat format) {
        Path qualified = fs.makeQualified(status.getPath());
        return new CorpusFile(qualified.toString(), key(qualified.toString()), format, status.getLen());
    }

    /** The path without scheme and authority, as both the driver and the tasks see it. */
    public static String key(String path) {
        return new Path(path).toUri().getPath();
    }

    /** The index of a file, by its path as a reader names it. */
    public int indexOf(String path) {
        String key = key(path);
        for (int i = 0; i < files.size(); i++) {
            if (files.get(i).key().equals(key)) {
                return i;
            }
        }
        throw new IllegalStateException("a reader named file " + path + ", which is not in the corpus " + keys());
    }

    public List<String> keys() {
        return files.stream().map(CorpusFile::key).toList();
    }

    public List<String> paths(CorpusFormat format) {
        return files.stream().filter(f -> f.format() == format).map(CorpusFile::path).toList();
    }

    private static String fingerprint(Configuration conf, List<CorpusFile> files) throws IOException {
        XXHashFactory factory = XXHashFactory.fastestInstance();
        try (StreamingXXHash64 all = factory.newStreamingHash64(SEED)) {
            byte[] buffer = new byte[1 << 20];
            for (CorpusFile f : files) {
                byte[] header = (f.key() + " " + f.bytes() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                all.update(header, 0, header.length);
                Path path = new Path(f.path());
                try (InputStream in = path.getFileSystem(conf).open(path)) {
                    for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                        all.update(buffer, 0, n);
                    }
                }
            }
            return String.format(Locale.ROOT, "xxh64:%016x", all.getValue());
        }
    }
}
