package io.neuronatlas.query;

import io.neuronatlas.job.AtlasSchema;
import io.neuronatlas.job.CheckpointCatalog;
import io.neuronatlas.job.CheckpointEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * An atlas folder opened for queries: its tables registered as temporary views of a SparkSession, over exactly the
 * run that the checkpoints table publishes for each checkpoint. The checkpoints are read once, here, so every
 * view shows the same snapshot: a run being written, a run that was killed, or a map published after this call is
 * not seen (open the atlas again to see newer maps).
 *
 * <p>Views: every table of {@link AtlasSchema#TABLES} that some published run has (columns as written, plus the
 * partition columns checkpoint, run, matrix, layer), {@code runs} (the published runs' records) and
 * {@code checkpoints} (one row per checkpoint: fingerprint, model_type, shapes, dtype, mapped_at, parameters, run).
 */
public final class Atlas {
    private final SparkSession spark;
    private final List<CheckpointEntry> checkpoints;

    private Atlas(SparkSession spark, List<CheckpointEntry> checkpoints) {
        this.spark = spark;
        this.checkpoints = checkpoints;
    }

    public static Atlas open(SparkSession spark, String dir) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path root = new Path(dir);
        FileSystem fs = root.getFileSystem(conf);
        List<CheckpointEntry> entries = new CheckpointCatalog(conf, dir).readAll();
        if (entries.isEmpty()) {
            throw new IOException(dir + ": not an atlas, or one with no published checkpoint (no "
                    + CheckpointCatalog.TABLE + " entries); write one with 'neuron-atlas map --out " + dir + "'"
                    + (fs.exists(new Path(root, AtlasSchema.NEURON_TOKENS)) ? " (an atlas written before "
                    + "checkpoints were tracked must be mapped again)" : ""));
        }
        List<String> tables = new ArrayList<>(AtlasSchema.TABLES);
        tables.add(AtlasSchema.RUNS);
        for (String table : tables) {
            Path tableDir = new Path(root, table);
            List<String> runs = new ArrayList<>();
            for (CheckpointEntry e : entries) {
                Path run = new Path(tableDir, AtlasSchema.runPath(e.checkpoint(), e.run()));
                if (fs.exists(run)) {
                    runs.add(run.toString());
                }
            }
            if (runs.isEmpty()) {
                spark.catalog().dropTempView(table);
                continue;
            }
            // basePath keeps checkpoint, run, matrix and layer as partition columns of the listed run folders.
            DataFrameReader reader = spark.read().option("basePath", tableDir.toString());
            Dataset<Row> rows = table.equals(AtlasSchema.RUNS) ? reader.json(runs.toArray(String[]::new))
                    : reader.parquet(runs.toArray(String[]::new));
            rows.createOrReplaceTempView(table);
        }
        spark.read().json(spark.createDataset(entries.stream().map(CheckpointEntry::toJson).toList(),
                Encoders.STRING())).createOrReplaceTempView(CheckpointCatalog.TABLE);
        return new Atlas(spark, entries);
    }

    /** The published checkpoints this atlas was opened with, by name. */
    public List<CheckpointEntry> checkpoints() {
        return checkpoints;
    }

    /**
     * The neurons whose top tokens include this exact token string, most specific first: ranked by the Flash
     * Interpretability normalized probability.
     */
    public Dataset<Row> findToken(String token, int limit) {
        return spark.sql("SELECT checkpoint, matrix, layer, neuron, polarity, rank, token_id, token, score, prob, "
                        + "normalized_prob FROM " + AtlasSchema.NEURON_TOKENS + " WHERE token = :token "
                        + "ORDER BY normalized_prob DESC, checkpoint, matrix, layer, neuron, polarity LIMIT " + limit,
                java.util.Map.of("token", token));
    }
}
