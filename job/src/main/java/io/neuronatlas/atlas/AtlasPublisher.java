package io.neuronatlas.atlas;

import io.neuronatlas.plan.Shard;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Publishes one run of one checkpoint. The run's executors write into folders of their own
 * ({@code TABLE/checkpoint=NAME/run=RUN/}) that no published query reads; publishing writes the run record, then
 * replaces the checkpoint's entry in the checkpoints table with one naming this run (the single atomic step), and
 * only then deletes the checkpoint's other run folders: the superseded map and whatever killed runs left. A run
 * that fails or dies before that rename leaves the previous map published and whole; its folders are deleted by
 * itself when it can, else by the next run of the checkpoint.
 */
public final class AtlasPublisher {
    /** Test-only: the system property naming a publish step at which the driver pauses (see pauseForTests). */
    public static final String TEST_PAUSE_AT = "neuronatlas.test-only.pause-at";
    /** Test-only: the file the driver creates when it reaches that step, before pausing. */
    public static final String TEST_PAUSE_SIGNAL = "neuronatlas.test-only.pause-signal";

    private final FileSystem fs;
    private final Path atlas;
    private final String checkpoint;
    private final String runId;
    private final CheckpointCatalog catalog;

    public AtlasPublisher(Configuration conf, String atlasUri, String checkpoint, String runId) throws IOException {
        this.atlas = new Path(atlasUri);
        this.fs = atlas.getFileSystem(conf);
        this.checkpoint = checkpoint;
        this.runId = runId;
        this.catalog = new CheckpointCatalog(conf, atlasUri);
    }

    public CheckpointCatalog catalog() {
        return catalog;
    }

    /** This run's folder of a table (the rows of tables, the record of runs). */
    public Path runFolder(String table) {
        return new Path(new Path(atlas, table), AtlasSchema.runPath(checkpoint, runId));
    }

    /** The tables whose folders hold run folders: the row tables and the run records. */
    static List<String> runTables() {
        List<String> tables = new ArrayList<>(AtlasSchema.TABLES);
        tables.add(AtlasSchema.RUNS);
        return tables;
    }

    /**
     * Checks that every shard committed its file to every table (token_profiles too when tokens are watched), and
     * deletes what failed or killed attempts left
     * behind (hidden temporary files), so that a published run holds complete files only.
     */
    public void checkWritten(List<Shard> shards, boolean watched) throws IOException {
        List<String> shardTables = new ArrayList<>(AtlasSchema.SHARD_TABLES);
        if (watched) {
            shardTables.add(AtlasSchema.TOKEN_PROFILES);
        }
        for (String table : shardTables) {
            for (Shard shard : shards) {
                Path file = new Path(new Path(atlas, table), AtlasSchema.partitionPath(checkpoint, runId,
                        shard.matrix().label(), shard.layer()) + "/" + ShardWriter.fileName(shard));
                if (!fs.exists(file)) {
                    throw new IOException("run " + runId + ": shard " + shard + " reported success but its "
                            + table + " file " + file + " is missing");
                }
            }
            RemoteIterator<LocatedFileStatus> files = fs.listFiles(runFolder(table), true);
            List<Path> leftovers = new ArrayList<>();
            while (files.hasNext()) {
                Path path = files.next().getPath();
                if (path.getName().startsWith(".part-")) {
                    leftovers.add(path);
                }
            }
            for (Path leftover : leftovers) {
                fs.delete(leftover, false);
            }
        }
    }

    /** Writes the run record into this run's folder of the runs table. */
    public void writeRecord(RunRecord record) throws IOException {
        try (OutputStream out = fs.create(new Path(runFolder(AtlasSchema.RUNS), "run.json"), true)) {
            out.write((record.toJson() + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Makes this run the checkpoint's map, then deletes the checkpoint's other runs. */
    public void publish(CheckpointEntry entry) throws IOException {
        if (!entry.run().equals(runId) || !entry.checkpoint().equals(checkpoint)) {
            throw new IllegalArgumentException("entry " + entry + " is not run " + runId + " of " + checkpoint);
        }
        pauseForTests("before-publish");
        catalog.publish(entry);
        pauseForTests("after-publish");
        deleteOtherRuns();
    }

    /**
     * Deletes every run folder of the checkpoint except this run's, and temporary entries: superseded maps and
     * killed runs' leftovers. Safe only under the checkpoint's run lock, which no other run of it holds meanwhile.
     */
    public void deleteOtherRuns() throws IOException {
        catalog.deleteTemporaries(checkpoint);
        String keep = new Path(AtlasSchema.runPath(checkpoint, runId)).getName();
        for (String table : runTables()) {
            Path folder = new Path(new Path(atlas, table), "checkpoint=" + checkpoint);
            if (!fs.exists(folder)) {
                continue;
            }
            for (FileStatus child : fs.listStatus(folder)) {
                if (!child.getPath().getName().equals(keep)) {
                    fs.delete(child.getPath(), true);
                }
            }
        }
    }

    /** Forgets everything this run wrote; the published map, whichever it is, stays. */
    public void abandon() throws IOException {
        for (String table : runTables()) {
            fs.delete(runFolder(table), true);
            Path folder = runFolder(table).getParent();
            if (fs.exists(folder) && fs.listStatus(folder).length == 0) {
                fs.delete(folder, false);
                if (fs.exists(folder.getParent()) && fs.listStatus(folder.getParent()).length == 0) {
                    fs.delete(folder.getParent(), false);
                }
            }
        }
    }

    /**
     * Test-only: when system property {@value #TEST_PAUSE_AT} names this step, creates the file named by
     * {@value #TEST_PAUSE_SIGNAL} and sleeps, so that a test can kill the driver at exactly this point.
     */
    private static void pauseForTests(String step) throws IOException {
        if (!step.equals(System.getProperty(TEST_PAUSE_AT))) {
            return;
        }
        Files.writeString(java.nio.file.Path.of(System.getProperty(TEST_PAUSE_SIGNAL)), step);
        try {
            Thread.sleep(600_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
