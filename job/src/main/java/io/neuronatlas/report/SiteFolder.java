package io.neuronatlas.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.ForeachPartitionFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;

/**
 * Where a site is written: a hidden folder beside the destination, which replaces the destination only when every
 * file is written, so a failed or killed report leaves the previous site (or nothing) and never half a site. Any
 * file system Hadoop knows; executors write the shards, so in a cluster the folder must be on storage they share
 * with the driver, as the atlas is.
 */
final class SiteFolder {
    /** A folder is taken for a site (and may be replaced) when it holds this file. */
    static final String MARKER = ScriptShard.file(SiteKeys.ATLAS);

    private final FileSystem fs;
    private final Path destination;
    private final Path staging;
    private final LongAccumulator files;
    private final LongAccumulator bytes;

    private SiteFolder(SparkSession spark, FileSystem fs, Path destination, Path staging) {
        this.fs = fs;
        this.destination = destination;
        this.staging = staging;
        this.files = spark.sparkContext().longAccumulator("report files");
        this.bytes = spark.sparkContext().longAccumulator("report bytes");
    }

    /**
     * Checks that out is free (missing, empty, or a site written before) before anything is computed, and
     * creates the staging folder beside it.
     */
    static SiteFolder create(SparkSession spark, String out) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path given = new Path(out);
        FileSystem fs = withoutChecksums(given.getFileSystem(conf));
        Path destination = fs.makeQualified(given);
        if (fs.exists(destination)) {
            FileStatus status = fs.getFileStatus(destination);
            if (!status.isDirectory()) {
                throw new IllegalArgumentException("--out " + out + " is a file, not a folder");
            }
            if (fs.listStatus(destination).length > 0 && !fs.exists(new Path(destination, MARKER))) {
                throw new IllegalArgumentException("--out " + out + " is a folder with files that is not a site "
                        + "written by 'neuron-atlas report' (no " + MARKER + "); choose an empty or new folder");
            }
        }
        Path parent = destination.getParent();
        if (parent == null) {
            throw new IllegalArgumentException("--out " + out + " must not be the root folder");
        }
        Path staging = new Path(parent, "." + destination.getName() + ".partial-" + UUID.randomUUID());
        if (!fs.mkdirs(staging)) {
            throw new IOException("could not create " + staging);
        }
        return new SiteFolder(spark, fs, destination, staging);
    }

    /** A site is for browsers: no .crc file beside each file (Hadoop's local file system writes them). */
    private static FileSystem withoutChecksums(FileSystem fs) {
        fs.setWriteChecksum(false);
        return fs;
    }

    /** A file written by the driver (the page, its assets, the small data files). */
    void write(String relativePath, byte[] content) throws IOException {
        try (OutputStream out = fs.create(new Path(staging, relativePath), true)) {
            out.write(content);
        }
        files.add(1);
        bytes.add(content.length);
    }

    void writeData(String key, String json) throws IOException {
        write(ScriptShard.file(key), ScriptShard.wrap(key, json).getBytes(StandardCharsets.UTF_8));
    }

    /** Copies a resource of the page's (index.html, assets) from the jar. */
    void copyResource(Class<?> owner, String resource, String relativePath) throws IOException {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource + " beside " + owner.getName());
            }
            write(relativePath, in.readAllBytes());
        }
    }

    /** Writes one data file per row of (key, json), in Spark tasks: shards are written where they are made. */
    void writeShards(Dataset<Row> keysAndJson) {
        keysAndJson.select("key", "json").foreachPartition(new ShardWriting(staging.toString(), files, bytes));
    }

    long files() {
        return files.value();
    }

    long bytes() {
        return bytes.value();
    }

    Path destination() {
        return destination;
    }

    /** Puts the staged site in place of the destination (a previous site is deleted first). */
    void publish() throws IOException {
        if (fs.exists(destination) && !fs.delete(destination, true)) {
            throw new IOException("could not delete the previous site " + destination);
        }
        if (!fs.rename(staging, destination)) {
            throw new IOException("could not rename " + staging + " to " + destination);
        }
    }

    /** Deletes what was staged; the destination is untouched. */
    void abandon() {
        try {
            fs.delete(staging, true);
        } catch (IOException e) {
            // the failure that led here is the one to report; a leftover hidden folder is harmless
        }
    }

    /** A task's share of the shards: each row's script written to data/KEY.js under the staging folder. */
    private static final class ShardWriting implements ForeachPartitionFunction<Row> {
        private static final long serialVersionUID = 1L;
        private final String root;
        private final LongAccumulator files;
        private final LongAccumulator bytes;

        ShardWriting(String root, LongAccumulator files, LongAccumulator bytes) {
            this.root = root;
            this.files = files;
            this.bytes = bytes;
        }

        @Override
        public void call(Iterator<Row> rows) throws IOException {
            Path base = new Path(root);
            FileSystem fs = withoutChecksums(base.getFileSystem(new Configuration()));
            while (rows.hasNext()) {
                Row row = rows.next();
                String key = row.getString(0);
                byte[] content = ScriptShard.wrap(key, row.getString(1)).getBytes(StandardCharsets.UTF_8);
                try (OutputStream out = fs.create(new Path(base, ScriptShard.file(key)), true)) {
                    out.write(content);
                }
                files.add(1);
                bytes.add(content.length);
            }
        }
    }
}
