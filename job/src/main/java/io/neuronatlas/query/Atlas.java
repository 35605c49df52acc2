package io.neuronatlas.query;

import io.neuronatlas.job.AtlasSchema;
import io.neuronatlas.udfs.AtlasExtensions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * An atlas folder opened for queries: its tables registered as temporary views of a SparkSession (neuron_tokens,
 * neurons, runs, tokens, and token_profiles when a map ran with --watch), the atlas's SQL functions registered
 * too, and the canned queries run against them.
 */
public final class Atlas {
    /** The view find-token fills with the neuron_tokens rows of the looked-up token ids. */
    public static final String TOKEN_MATCHES = "token_matches";

    private final SparkSession spark;
    private final String dir;
    private final boolean profiles;

    private Atlas(SparkSession spark, String dir, boolean profiles) {
        this.spark = spark;
        this.dir = dir;
        this.profiles = profiles;
    }

    public static Atlas open(SparkSession spark, String dir) throws IOException {
        Path local = Path.of(dir);
        if (!dir.contains("://") && !Files.isDirectory(local.resolve(AtlasSchema.NEURON_TOKENS))) {
            throw new IOException(dir + ": not an atlas (no " + AtlasSchema.NEURON_TOKENS
                    + " table); write one with 'neuron-atlas map --out " + dir + "'");
        }
        AtlasExtensions.register(spark);
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(dir);
        org.apache.hadoop.fs.FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
        boolean profiles = false;
        List<String> tables = new ArrayList<>(AtlasSchema.TABLES);
        tables.add(AtlasSchema.TOKEN_PROFILES);
        tables.add(AtlasSchema.TOKENS);
        for (String table : tables) {
            boolean optional = !AtlasSchema.TABLES.contains(table);
            if (optional && !fs.exists(new org.apache.hadoop.fs.Path(root, table))) {
                continue;
            }
            spark.read().parquet(dir + "/" + table).createOrReplaceTempView(table);
            profiles |= table.equals(AtlasSchema.TOKEN_PROFILES);
        }
        if (!fs.exists(new org.apache.hadoop.fs.Path(root, AtlasSchema.TOKENS))) {
            // Atlases written before the tokens table: the tokens that occur in the map, by a full scan.
            spark.sql("SELECT DISTINCT checkpoint, token_id, token, token_norm(token) AS norm FROM "
                            + AtlasSchema.NEURON_TOKENS)
                    .createOrReplaceTempView(AtlasSchema.TOKENS);
        }
        if (!profiles) {
            spark.catalog().dropTempView(AtlasSchema.TOKEN_PROFILES);
        }
        spark.read().json(dir + "/" + AtlasSchema.RUNS).createOrReplaceTempView(AtlasSchema.RUNS);
        return new Atlas(spark, dir, profiles);
    }

    public SparkSession spark() {
        return spark;
    }

    /** Any SQL against the atlas's views. */
    public Dataset<Row> sql(String sql) {
        return spark.sql(sql);
    }

    /** The vocabulary entries, per checkpoint, that are the same word as token (case and space variants). */
    public Dataset<Row> tokenVariants(String token) {
        return spark.sql(CannedQuery.sql("token-variants"), Map.of("token", token));
    }

    /**
     * The neurons whose top tokens include the token or a case/space variant of it, most specific first: ranked
     * by the Flash Interpretability normalized probability. The variants' ids come from the small tokens table;
     * neuron_tokens is then read with a token_id IN (...) filter, which Parquet pushes down to row groups and
     * pages, instead of scanning every row.
     */
    public Dataset<Row> findToken(String token, int limit) {
        java.util.Set<Integer> ids = new java.util.TreeSet<>();
        for (Row row : tokenVariants(token).select("token_id").collectAsList()) {
            ids.add(row.getInt(0));
        }
        spark.table(AtlasSchema.NEURON_TOKENS).filter(functions.col("token_id").isin(ids.toArray()))
                .createOrReplaceTempView(TOKEN_MATCHES);
        return spark.sql(CannedQuery.sql("find-token"), Map.of("token", token, "limit", limit));
    }

    /** Per checkpoint, matrix and layer: quantiles of max_abs_score and the share of neurons above threshold. */
    public Dataset<Row> alignment(double threshold) {
        return spark.sql(CannedQuery.sql("alignment"), Map.of("threshold", threshold));
    }

    /** Per checkpoint, matrix and layer: neurons per max_abs_score bin, bins shared by all layers. */
    public Dataset<Row> alignmentHistogram(int bins) {
        if (bins < 1) {
            throw new IllegalArgumentException("--bins must be positive, found " + bins);
        }
        return spark.sql(CannedQuery.sql("alignment-histogram"), Map.of("bins", bins));
    }

    /** The limit most vocabulary-aligned neurons of one matrix and layer, with their first tokens per polarity. */
    public Dataset<Row> topNeurons(String matrix, int layer, int limit, int tokens) {
        return spark.sql(CannedQuery.sql("top-neurons"), Map.of("matrix", matrix, "layer", layer, "limit", limit,
                "tokens", tokens));
    }

    /** A watched token's values for every neuron (map --watch). */
    public Dataset<Row> profile(String token) {
        if (!profiles) {
            throw new IllegalArgumentException(dir + " has no " + AtlasSchema.TOKEN_PROFILES + " table: map the "
                    + "checkpoint with --watch \"" + token + "\" to profile that token");
        }
        Dataset<Row> rows = spark.sql(CannedQuery.sql("profile"), Map.of("token", token));
        if (rows.isEmpty()) {
            List<String> watched = spark.sql("SELECT DISTINCT token FROM " + AtlasSchema.TOKEN_PROFILES
                    + " ORDER BY token").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
            throw new IllegalArgumentException("token \"" + token + "\" was not watched in " + dir + " (watched: "
                    + watched.stream().map(t -> '"' + t + '"').toList() + "); map again with --watch \"" + token
                    + "\"");
        }
        return rows;
    }

    /** Top-token agreement of checkpoints a and b per matrix and layer. */
    public Dataset<Row> compare(String a, String b) {
        return spark.sql(CannedQuery.sql("compare"), Map.of("a", a, "b", b));
    }
}
