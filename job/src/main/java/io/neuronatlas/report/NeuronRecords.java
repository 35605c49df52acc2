package io.neuronatlas.report;

import io.neuronatlas.query.CannedQuery;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Every neuron's record, the JSON object its page renders: the base fields from neuron_tokens and neurons, then
 * one field per section whose views exist, joined on the neuron. Nothing is collected: the result is a Dataset
 * of (checkpoint, matrix, layer, expert, neuron, record) for the shard writer's tasks.
 *
 * <p>A neuron is (checkpoint, matrix, layer, expert, neuron), expert null for a dense MLP, so the joins match
 * experts null-safely. A section whose query has no expert column (a table that predates experts) gives values of
 * dense neurons only.
 */
final class NeuronRecords {
    /** The fields every record has, in order ("expert" is left out of a dense neuron's JSON: it is null). */
    static final List<String> BASE_FIELDS = List.of("matrix", "expert", "neuron", "stats", "positive", "negative");
    private static final String EXPERT = "expert";
    private static final List<String> KEYS = List.of("checkpoint", "matrix", "layer", EXPERT, "neuron");

    private NeuronRecords() {
    }

    /** The records of the checkpoints named in args' "checkpoints", with the sections given (all present). */
    static Dataset<Row> build(SparkSession spark, List<NeuronSection> sections, Map<String, Object> args) {
        Dataset<Row> rows = spark.sql(CannedQuery.sql(NeuronRecords.class, "neuron-records"), args);
        List<Column> fields = new ArrayList<>();
        for (String field : BASE_FIELDS) {
            fields.add(functions.col(field));
        }
        for (NeuronSection section : sections) {
            Dataset<Row> result = spark.sql(section.sql(), args);
            boolean experts = Arrays.asList(result.columns()).contains(EXPERT);
            // The section's keys under names no field can have (fields start with a letter).
            List<Column> columns = new ArrayList<>();
            columns.add(functions.col("value").as(section.field()));
            for (String key : KEYS) {
                Column column = key.equals(EXPERT) && !experts ? functions.lit(null).cast("string")
                        : functions.col(key);
                columns.add(column.as(joinKey(section, key)));
            }
            Column on = functions.lit(true);
            for (String key : KEYS) {
                on = on.and(functions.col(key).eqNullSafe(functions.col(joinKey(section, key))));
            }
            rows = rows.join(result.select(columns.toArray(Column[]::new)), on, "left");
            fields.add(functions.col(section.field()));
        }
        return rows.select(functions.col("checkpoint"), functions.col("matrix"), functions.col("layer"),
                functions.col(EXPERT), functions.col("neuron"), functions.struct(fields.toArray(Column[]::new))
                        .as("record"));
    }

    private static String joinKey(NeuronSection section, String key) {
        return "__" + section.field() + "_" + key;
    }
}
