package io.neuronatlas.atlas;

import java.nio.file.Path;
import java.util.List;
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

    /**
     * Names that a reader typing partition folders by their looks would not read back as text: Spark (partition
     * type inference), DuckDB (hive_types_autocast) and pandas (pyarrow's hive partitioning) make numbers, dates or
     * booleans of them, so checkpoint=007 and checkpoint=7 become one value. Numbers in any notation Java, Spark or
     * DuckDB reads (007, 1_000, 1.5, 1e5, 2d, 0x1f), dates (2024-01-31, with an hour), and the words those readers
     * turn into booleans, nulls and infinities.
     */
    private static final Pattern RETYPED = Pattern.compile("(?i)[0-9][0-9_]*(\\.[0-9_]*)?(e[+-]?[0-9]+)?[dfl]?"
            + "|0x[0-9a-f]+|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(t[0-9]{1,2})?"
            + "|true|false|null|none|na|nan|inf|infinity");

    /** Spark's setting that types partition values by their looks; off wherever this project reads. */
    public static final String PARTITION_TYPE_INFERENCE = "spark.sql.sources.partitionColumnTypeInference.enabled";

    /** The partition columns written as integers (the map's layer); every other partition column is text. */
    public static final List<String> INTEGER_PARTITIONS = List.of("layer");

    /** How a user names a checkpoint with the map command. */
    public static final String NAME_WITH_OPTION = "pass --checkpoint NAME";

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

    /** A model folder's name, which names its checkpoint in the atlas unless told otherwise. */
    public static String folderName(Path modelDir) {
        Path name = modelDir.toAbsolutePath().normalize().getFileName();
        return name == null ? "model" : name.toString();
    }

    /** Refuses a name that would not survive as a folder name, a SQL literal and a text partition value. */
    public static String checkCheckpointName(String checkpoint) {
        return checkCheckpointName(checkpoint, NAME_WITH_OPTION);
    }

    /**
     * As {@link #checkCheckpointName(String)}; {@code howToName} says how the user gives another name ("pass
     * --checkpoint NAME", or "rename the folder" where names come from folders).
     */
    public static String checkCheckpointName(String checkpoint, String howToName) {
        if (checkpoint == null || !CHECKPOINT_NAME.matcher(checkpoint).matches()) {
            throw new IllegalArgumentException("checkpoint name '" + checkpoint + "' must match "
                    + CHECKPOINT_NAME.pattern() + " (" + howToName + ")");
        }
        if (RETYPED.matcher(checkpoint).matches()) {
            throw new IllegalArgumentException("checkpoint name '" + checkpoint + "' would not read back as the "
                    + "same text: Spark, DuckDB and pandas type partition folders such as checkpoint=" + checkpoint
                    + " as numbers, dates or booleans (so 007 and 7 would merge); give it a prefix, e.g. 'ckpt-"
                    + checkpoint + "' (" + howToName + ")");
        }
        return checkpoint;
    }
}
