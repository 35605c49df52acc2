package io.neuronatlas.atlas;

import static org.apache.parquet.schema.LogicalTypeAnnotation.listType;
import static org.apache.parquet.schema.LogicalTypeAnnotation.stringType;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.DOUBLE;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.FLOAT;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT64;

import java.util.List;
import java.util.Map;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * The tables of the examples kind (what text fires each neuron), partitioned by checkpoint, run and layer
 * ({@code TABLE/checkpoint=NAME/run=RUN/layer=L/part-BLOCK.zstd.parquet}, one file per block of neurons). Both join
 * the map's {@code neurons} on (checkpoint, layer, expert, neuron): a neuron index is the same in gate, up and down.
 * A mixture's neurons are told apart by the expert column as in the map ({@link MapTables#EXPERT}: an expert's index
 * or "shared", null for a dense MLP); a file holds one expert's block, numbered on over the layer's experts. An
 * expert's rows cover only the tokens routed to it: its statistics count them alone, and the window activations of
 * tokens not routed to it are NaN (the expert never saw them).
 */
public final class ExamplesTables {
    public static final String NEURON_EXAMPLES = "neuron_examples";
    public static final String NEURON_ACTIVATIONS = "neuron_activations";
    public static final List<String> TABLES = List.of(NEURON_EXAMPLES, NEURON_ACTIVATIONS);

    /** Kinds of example rows: the largest, the most negative, and uniform draws from three quantile bands. */
    public static final String MAX = "max";
    public static final String MIN = "min";

    /**
     * One row per example: kind ("max", "min", "q50-90", "q90-99", "q99-99.9"), its rank within the kind (1 = most
     * extreme; band draws in sample order), where it is (file, document, segment, position in the segment,
     * doc_position among the document's text tokens; document_id, the corpus's own id of the document, null when it
     * has none), the extreme token and the next one (null at the window's end),
     * and the window: token ids, token texts and the neuron's activation at each, from window_start.
     */
    public static final MessageType NEURON_EXAMPLES_FILE = Types.buildMessage()
            .optional(BINARY).as(stringType()).named(MapTables.EXPERT)
            .required(INT32).named("neuron")
            .required(BINARY).as(stringType()).named("kind")
            .required(INT32).named("rank")
            .required(FLOAT).named("activation")
            .required(BINARY).as(stringType()).named("file")
            .required(INT64).named("document")
            .optional(BINARY).as(stringType()).named("document_id")
            .required(INT32).named("segment")
            .required(INT32).named("position")
            .required(INT64).named("doc_position")
            .required(INT32).named("token_id")
            .required(BINARY).as(stringType()).named("token")
            .optional(INT32).named("next_token_id")
            .required(INT32).named("window_start")
            .addField(list("token_ids", INT32, false))
            .addField(list("tokens", BINARY, true))
            .addField(list("activations", FLOAT, false))
            .named(NEURON_EXAMPLES);

    /**
     * One row per neuron: statistics over every position seen (count, mean, std, min, max exact; quantiles within
     * 1% relative error), a 50-bin histogram over [min, max], density, and the agreement of its examples with its
     * vocabulary map (null when the atlas has no map of the checkpoint from the same weights).
     */
    public static final MessageType NEURON_ACTIVATIONS_FILE = Types.buildMessage()
            .optional(BINARY).as(stringType()).named(MapTables.EXPERT)
            .required(INT32).named("neuron")
            .required(INT64).named("count")
            .required(DOUBLE).named("mean")
            .required(DOUBLE).named("std")
            .required(FLOAT).named("min")
            .required(FLOAT).named("max")
            .required(DOUBLE).named("p50")
            .required(DOUBLE).named("p90")
            .required(DOUBLE).named("p99")
            .required(DOUBLE).named("p999")
            .addField(list("histogram", INT64, false))
            .required(DOUBLE).named("density")
            .optional(DOUBLE).named("read_agreement")
            .optional(DOUBLE).named("write_agreement")
            .optional(DOUBLE).named("read_agreement_min")
            .optional(DOUBLE).named("write_agreement_min")
            .named(NEURON_ACTIVATIONS);

    /**
     * The schema each table's files are read with (Atlas.open), so that runs written before a column existed
     * (document_id, expert) read it as null.
     */
    public static final Map<String, MessageType> FILE_SCHEMAS = Map.of(NEURON_EXAMPLES, NEURON_EXAMPLES_FILE,
            NEURON_ACTIVATIONS, NEURON_ACTIVATIONS_FILE);

    private ExamplesTables() {
    }

    /** A required three-level LIST of required elements, as Spark writes arrays. */
    private static GroupType list(String name, PrimitiveTypeName element, boolean string) {
        Type item = string ? Types.required(element).as(stringType()).named("element")
                : Types.required(element).named("element");
        return Types.requiredGroup().as(listType()).addField(Types.repeatedGroup().addField(item).named("list"))
                .named(name);
    }
}
