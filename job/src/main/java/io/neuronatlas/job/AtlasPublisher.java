package io.neuronatlas.job;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Moves a finished run from its staging folder into the atlas. A run writes everything under
 * {@code atlas/_staging/RUN}, which queries never see (Spark skips paths starting with '_'); only once every table
 * is complete does it swap in the checkpoint's partition folders, replacing that checkpoint's previous map and
 * leaving other checkpoints untouched. A failed run deletes its staging folder and the atlas stays as it was.
 */
public final class AtlasPublisher {
    private final FileSystem fs;
    private final Path atlas;
    private final String runId;

    public AtlasPublisher(Configuration conf, String atlasUri, String runId) throws IOException {
        this.atlas = new Path(atlasUri);
        this.fs = atlas.getFileSystem(conf);
        this.runId = runId;
    }

    public Path staging() {
        return new Path(atlas, "_staging/" + runId);
    }

    public Path stagingTable(String table) {
        return new Path(staging(), table);
    }

    public static String partition(String checkpoint) {
        return "checkpoint=" + checkpoint;
    }

    /**
     * Checks that every shard committed its file to both tables, and deletes what failed or killed attempts left
     * behind (hidden temporary files), so that only complete files are published.
     */
    public void checkStaged(String checkpoint, List<Shard> shards) throws IOException {
        List<String> shardTables = new ArrayList<>(AtlasSchema.TABLES);
        if (fs.exists(stagingTable(AtlasSchema.TOKEN_PROFILES))) {
            shardTables.add(AtlasSchema.TOKEN_PROFILES); // map --watch: every shard wrote one too
        }
        for (String table : shardTables) {
            for (Shard shard : shards) {
                Path file = new Path(stagingTable(table), AtlasSchema.partitionPath(checkpoint,
                        shard.matrix().label(), shard.layer()) + "/" + ShardWriter.fileName(shard));
                if (!fs.exists(file)) {
                    throw new IOException("run " + runId + ": shard " + shard + " reported success but its "
                            + table + " file " + file + " is missing");
                }
            }
            RemoteIterator<LocatedFileStatus> files = fs.listFiles(stagingTable(table), true);
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

    /** Replaces the checkpoint's partitions of each table with the staged ones. */
    public void publish(String checkpoint, List<String> tables) throws IOException {
        for (String table : tables) {
            Path staged = new Path(stagingTable(table), partition(checkpoint));
            if (!fs.exists(staged)) {
                throw new IOException("run " + runId + " staged no " + table + " rows at " + staged);
            }
        }
        Path trash = new Path(atlas, "_trash/" + runId);
        for (String table : tables) {
            Path staged = new Path(stagingTable(table), partition(checkpoint));
            Path live = new Path(new Path(atlas, table), partition(checkpoint));
            if (fs.exists(live)) {
                fs.mkdirs(trash);
                rename(live, new Path(trash, table));
            }
            fs.mkdirs(live.getParent());
            rename(staged, live);
        }
        fs.delete(trash, true);
        abandon();
    }

    /** Forgets everything this run staged. */
    public void abandon() throws IOException {
        fs.delete(staging(), true);
        deleteIfEmpty(new Path(atlas, "_staging"));
        deleteIfEmpty(new Path(atlas, "_trash"));
    }

    private void deleteIfEmpty(Path dir) throws IOException {
        if (fs.exists(dir) && fs.listStatus(dir).length == 0) {
            fs.delete(dir, false);
        }
    }

    private void rename(Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("could not move " + from + " to " + to);
        }
    }
}
