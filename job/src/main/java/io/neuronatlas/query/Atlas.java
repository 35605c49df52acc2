package io.neuronatlas.query;

import io.neuronatlas.job.AtlasSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** An atlas folder opened for queries: its tables registered as temporary views of a SparkSession. */
public final class Atlas {
    private final SparkSession spark;

    private Atlas(SparkSession spark) {
        this.spark = spark;
    }

    public static Atlas open(SparkSession spark, String dir) throws IOException {
        Path local = Path.of(dir);
        if (!dir.contains("://") && !Files.isDirectory(local.resolve(AtlasSchema.NEURON_TOKENS))) {
            throw new IOException(dir + ": not an atlas (no " + AtlasSchema.NEURON_TOKENS
                    + " table); write one with 'neuron-atlas map --out " + dir + "'");
        }
        Atlas atlas = new Atlas(spark);
        for (String table : AtlasSchema.TABLES) {
            spark.read().parquet(dir + "/" + table).createOrReplaceTempView(table);
        }
        spark.read().json(dir + "/" + AtlasSchema.RUNS).createOrReplaceTempView(AtlasSchema.RUNS);
        return atlas;
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
