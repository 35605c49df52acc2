package io.neuronatlas.job;

import static org.apache.spark.sql.types.DataTypes.FloatType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The tables of an atlas. Every table is partitioned by checkpoint, matrix and layer. */
public final class AtlasSchema {
    public static final String NEURON_TOKENS = "neuron_tokens";
    public static final String NEURONS = "neurons";
    public static final String RUNS = "runs";
    public static final List<String> TABLES = List.of(NEURON_TOKENS, NEURONS);
    public static final String[] PARTITION_COLUMNS = {"checkpoint", "matrix", "layer"};

    /** A neuron's top-k tokens per polarity: 2·k rows a neuron. */
    public static final StructType NEURON_TOKENS_SCHEMA = struct(
            "checkpoint", StringType, "matrix", StringType, "layer", IntegerType, "neuron", IntegerType,
            "polarity", StringType, "rank", IntegerType, "token_id", IntegerType, "token", StringType,
            "score", FloatType, "prob", FloatType, "normalized_prob", FloatType);

    /** One row a neuron: its vector's norm and the statistics of its scores over the whole vocabulary. */
    public static final StructType NEURONS_SCHEMA = struct(
            "checkpoint", StringType, "matrix", StringType, "layer", IntegerType, "neuron", IntegerType,
            "norm", FloatType, "max_score", FloatType, "min_score", FloatType, "mean_score", FloatType,
            "std_score", FloatType, "max_abs_score", FloatType, "logsumexp", FloatType, "entropy", FloatType,
            "top_token_id", IntegerType, "top_token", StringType, "top_normalized_prob", FloatType,
            "bottom_token_id", IntegerType, "bottom_token", StringType, "bottom_normalized_prob", FloatType);

    private AtlasSchema() {
    }

    private static StructType struct(Object... nameTypePairs) {
        StructType type = new StructType();
        for (int i = 0; i < nameTypePairs.length; i += 2) {
            type = type.add(new StructField((String) nameTypePairs[i], (DataType) nameTypePairs[i + 1], false,
                    org.apache.spark.sql.types.Metadata.empty()));
        }
        return type;
    }
}
