package io.neuronatlas.atlas;

import java.util.regex.Pattern;

/**
 * Where rows live in an atlas. Every table is partitioned Hive style, first by checkpoint and run
 * ({@code TABLE/checkpoint=NAME/run=RUN/...}), then as the table needs (the map's by matrix and layer); as in any
 * partitioned Spark table those columns live in the folder names and the Parquet files hold the rest. Each run
 * writes into folders of its own, which only become visible to queries when its kind's catalog names the run.
 */
public final class AtlasPaths {
    /** Checkpoint names become folder names and SQL literals: keep them plain. */
    public static final Pattern CHECKPOINT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private AtlasPaths() {
    }

    /** The folder of one run's rows of one checkpoint, relative to a table's folder. */
    public static String runPath(String checkpoint, String run) {
        return "checkpoint=" + checkpoint + "/run=" + run;
    }

    /** The map's partition folder of one checkpoint, run, matrix and layer, relative to a table's folder. */
    public static String partitionPath(String checkpoint, String run, String matrix, int layer) {
        return runPath(checkpoint, run) + "/matrix=" + matrix + "/layer=" + layer;
    }

    /** Refuses a name that would not survive as a folder name and SQL literal. */
    public static String checkCheckpointName(String checkpoint) {
        if (checkpoint == null || !CHECKPOINT_NAME.matcher(checkpoint).matches()) {
            throw new IllegalArgumentException("checkpoint name '" + checkpoint + "' must match "
                    + CHECKPOINT_NAME.pattern() + " (pass --checkpoint NAME)");
        }
        return checkpoint;
    }
}
