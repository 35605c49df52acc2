package io.neuronatlas.atlas;

import static org.apache.parquet.schema.LogicalTypeAnnotation.stringType;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BOOLEAN;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.DOUBLE;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.FLOAT;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32;

import java.util.List;
import java.util.Locale;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Types;

/**
 * What the drift command writes: per neuron and matrix, how far a checkpoint moved from a base checkpoint of the same
 * shapes and vocabulary. Partitioned like the map's tables ({@link AtlasPaths#partitionPath}, the checkpoint being
 * the one compared with the base); the base is a column, and the run's subject.
 */
public final class DriftTables {
    public static final String NEURON_DRIFT = "neuron_drift";
    public static final List<String> TABLES = List.of(NEURON_DRIFT);

    /**
     * One row a neuron. The distributions are softmax over the vocabulary of each checkpoint's logits through its own
     * LM head; KL in nats, the Jensen–Shannon distance in bits (its square root, 0 to 1). The top-k sets are the
     * map's (top_k of the base's map), per polarity.
     */
    public static final MessageType NEURON_DRIFT_FILE = Types.buildMessage()
            .required(BINARY).as(stringType()).named("base")
            .required(INT32).named("neuron")
            .required(DOUBLE).named("weight_cos")
            .required(FLOAT).named("norm_base")
            .required(FLOAT).named("norm")
            .required(DOUBLE).named("kl_base_to_checkpoint")
            .required(DOUBLE).named("kl_checkpoint_to_base")
            .required(DOUBLE).named("js_distance")
            .required(BOOLEAN).named("top_token_kept")
            .required(DOUBLE).named("top_k_jaccard_pos")
            .required(DOUBLE).named("top_k_jaccard_neg")
            .required(INT32).named("top_token_id_base")
            .required(BINARY).as(stringType()).named("top_token_base")
            .required(INT32).named("top_token_id")
            .required(BINARY).as(stringType()).named("top_token")
            .required(BINARY).as(stringType()).named("bottom_token_base")
            .required(BINARY).as(stringType()).named("bottom_token")
            .named(NEURON_DRIFT);

    private DriftTables() {
    }

    /** A shard's file, one per shard, as the map names them. */
    public static String fileName(int shard) {
        return String.format(Locale.ROOT, "part-%05d.zstd.parquet", shard);
    }
}
