package io.neuronatlas.atlas;

import static org.apache.parquet.schema.LogicalTypeAnnotation.stringType;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.FLOAT;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32;

import java.util.List;
import java.util.Map;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Types;

/**
 * The map's tables. The row tables are partitioned by checkpoint, run, matrix and layer
 * ({@link AtlasPaths#partitionPath}); the tokens table by checkpoint and run only. Which run of a checkpoint is its
 * map is said by the checkpoints table, the map's {@link Catalog}.
 *
 * <p>A mixture-of-experts model's neurons are told apart by the expert column, stored in the files rather than as a
 * partition folder: a layer of Qwen3-30B-A3B has 128 experts of 768 neurons, and folders (and so files) per expert
 * would multiply the files a token lookup opens by 128 for no pruning any query needs. The column is null for a
 * dense model's rows, and absent from files written before it existed, which read as null
 * ({@link #FILE_SCHEMAS}).
 */
public final class MapTables {
    public static final String NEURON_TOKENS = "neuron_tokens";
    public static final String NEURONS = "neurons";
    /** Only runs with map --watch write it, one file per shard; queries treat it as optional. */
    public static final String TOKEN_PROFILES = "token_profiles";
    /** The checkpoint's vocabulary, one file per run written by the driver: find-token resolves variants here. */
    public static final String TOKENS = "tokens";
    /**
     * neuron_tokens again, ordered for lookups by token: a run folder holds one file per block of
     * {@link #TOKENS_PER_BLOCK} consecutive token ids ({@link #tokenNeuronsFile}), rows ordered by token_id. A token's
     * rows are then in one known file, where neuron_tokens has them in every layer's files (96 for an 8B model);
     * find-token opens that file alone. Atlases mapped before it existed have no such folder.
     */
    public static final String TOKEN_NEURONS = "token_neurons";
    /** Token ids a token_neurons file holds: 126 files for Llama 3's 128,256 tokens. */
    public static final int TOKENS_PER_BLOCK = 1024;
    /**
     * Every layer's max_abs_score values, sorted: one file a run ({@link #LAYER_SCORES_FILE_NAME}) written by the
     * driver from the run's neurons files, one row per matrix and layer. The alignment query reads its quantiles
     * from these ~100 rows instead of scanning neurons (a file per layer: 96 for an 8B model). Atlases mapped before
     * it existed have no such folder.
     */
    public static final String LAYER_SCORES = "layer_scores";
    /** The one file of a layer_scores run folder. */
    public static final String LAYER_SCORES_FILE_NAME = "layer-scores.zstd.parquet";
    /** Every table of rows a map run may write into its run folders; a run without --watch has no token_profiles. */
    public static final List<String> TABLES = List.of(NEURON_TOKENS, NEURONS, TOKEN_PROFILES, TOKENS, TOKEN_NEURONS,
            LAYER_SCORES);
    /** A mixture-of-experts neuron's expert: "0", "1", ..., or "shared"; null for a dense model. */
    public static final String EXPERT = "expert";

    /**
     * A neuron's top-k tokens per polarity: 2·k rows a neuron. Each file's rows are ordered by token_id (then
     * neuron, polarity, rank) and written in small row groups, with a bloom filter on token_id: a lookup of a few
     * token ids reads only the row groups whose token_id range or bloom filter can hold them.
     */
    public static final MessageType NEURON_TOKENS_FILE = Types.buildMessage()
            .optional(BINARY).as(stringType()).named(EXPERT)
            .required(INT32).named("neuron")
            .required(BINARY).as(stringType()).named("polarity")
            .required(INT32).named("rank")
            .required(INT32).named("token_id")
            .required(BINARY).as(stringType()).named("token")
            .required(FLOAT).named("score")
            .required(FLOAT).named("prob")
            .required(FLOAT).named("normalized_prob")
            .named(NEURON_TOKENS);

    /** neuron_tokens' rows with their matrix and layer as columns, for files that hold every layer's rows. */
    public static final MessageType TOKEN_NEURONS_FILE = Types.buildMessage()
            .required(BINARY).as(stringType()).named("matrix")
            .required(INT32).named("layer")
            .addFields(NEURON_TOKENS_FILE.getFields().toArray(org.apache.parquet.schema.Type[]::new))
            .named(TOKEN_NEURONS);

    /**
     * One row per matrix and layer: its neurons (every expert's, pooled) and their max_abs_score values in ascending
     * order, a three-level LIST that Spark reads as array&lt;float&gt;.
     */
    public static final MessageType LAYER_SCORES_FILE = Types.buildMessage()
            .required(BINARY).as(stringType()).named("matrix")
            .required(INT32).named("layer")
            .required(INT32).named("neurons")
            .requiredList().requiredElement(FLOAT).named("max_abs_scores")
            .named(LAYER_SCORES);

    /** The token_neurons block of a token id. */
    public static int tokenBlock(int tokenId) {
        if (tokenId < 0) {
            throw new IllegalArgumentException("token id " + tokenId + " is negative");
        }
        return tokenId / TOKENS_PER_BLOCK;
    }

    /** The name of a block's file in a token_neurons run folder. */
    public static String tokenNeuronsFile(int block) {
        return String.format(java.util.Locale.ROOT, "block-%05d.zstd.parquet", block);
    }

    /** The census columns (Gurnee et al.), absent from files written before them, which read as null. */
    public static final List<String> CENSUS_COLUMNS = List.of("vocab_cos_skew", "vocab_cos_kurtosis", "score_skew",
            "score_kurtosis", "census_class");

    /**
     * One row a neuron: its vector's norm, the statistics of its scores over the whole vocabulary, and the census: the
     * skew and Pearson kurtosis of its cosines with the unembedding rows and of its scores, and for down_proj its
     * {@link CensusRule} class ('prediction', 'suppression' or null). The census columns are optional so that files
     * written before them read as null.
     */
    public static final MessageType NEURONS_FILE = Types.buildMessage()
            .optional(BINARY).as(stringType()).named(EXPERT)
            .required(INT32).named("neuron")
            .required(FLOAT).named("norm")
            .required(FLOAT).named("max_score")
            .required(FLOAT).named("min_score")
            .required(FLOAT).named("mean_score")
            .required(FLOAT).named("std_score")
            .required(FLOAT).named("max_abs_score")
            .required(FLOAT).named("logsumexp")
            .required(FLOAT).named("entropy")
            .required(INT32).named("top_token_id")
            .required(BINARY).as(stringType()).named("top_token")
            .required(FLOAT).named("top_normalized_prob")
            .required(INT32).named("bottom_token_id")
            .required(BINARY).as(stringType()).named("bottom_token")
            .required(FLOAT).named("bottom_normalized_prob")
            .optional(FLOAT).named("vocab_cos_skew")
            .optional(FLOAT).named("vocab_cos_kurtosis")
            .optional(FLOAT).named("score_skew")
            .optional(FLOAT).named("score_kurtosis")
            .optional(BINARY).as(stringType()).named("census_class")
            .named(NEURONS);

    /** The '+' polarity values of each watched token (map --watch) for every neuron: neurons × watched rows. */
    public static final MessageType TOKEN_PROFILES_FILE = Types.buildMessage()
            .optional(BINARY).as(stringType()).named(EXPERT)
            .required(INT32).named("neuron")
            .required(INT32).named("token_id")
            .required(BINARY).as(stringType()).named("token")
            .required(FLOAT).named("score")
            .required(FLOAT).named("prob")
            .required(FLOAT).named("normalized_prob")
            .named(TOKEN_PROFILES);

    /**
     * id → decoded token string, its token_norm() grouping key and its kind (a byte-fallback piece renders like the
     * piece of the same text); partitioned by checkpoint only. Rows are
     * ordered by norm, with a bloom filter on it, so the variants of a word are a lookup of one small row group.
     */
    public static final MessageType TOKENS_FILE = Types.buildMessage()
            .required(INT32).named("token_id")
            .required(BINARY).as(stringType()).named("token")
            .required(BINARY).as(stringType()).named("norm")
            // piece, byte, added or unused (TokenKind); optional: atlases written before it read it as null
            .optional(BINARY).as(stringType()).named("kind")
            .named(TOKENS);

    /**
     * The schema of each table's files, which readers should state rather than infer from whichever file comes first:
     * files written before the expert column or the census columns existed then read them as null.
     */
    public static final Map<String, MessageType> FILE_SCHEMAS = Map.of(NEURON_TOKENS, NEURON_TOKENS_FILE, NEURONS,
            NEURONS_FILE, TOKEN_PROFILES, TOKEN_PROFILES_FILE, TOKENS, TOKENS_FILE, TOKEN_NEURONS, TOKEN_NEURONS_FILE,
            LAYER_SCORES, LAYER_SCORES_FILE);

    private MapTables() {
    }
}
