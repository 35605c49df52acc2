package io.neuronatlas.report;

import io.neuronatlas.query.CannedQuery;
import java.util.ArrayList;
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
 * of (checkpoint, matrix, layer, neuron, record) for the shard writer's tasks.
 */
final class NeuronRecords {
    /** The fields every record has, in order. */
    static final List<String> BASE_FIELDS = List.of("matrix", "neuron", "stats", "positive", "negative");
    private static final String[] KEYS = {"checkpoint", "matrix", "layer", "neuron"};

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
            Dataset<Row> values = spark.sql(section.sql(), args).selectExpr("checkpoint", "matrix", "layer",
                    "neuron", "value AS " + section.field());
            rows = rows.join(values, scala(KEYS), "left");
            fields.add(functions.col(section.field()));
        }
        return rows.select(functions.col("checkpoint"), functions.col("matrix"), functions.col("layer"),
                functions.col("neuron"), functions.struct(fields.toArray(Column[]::new)).as("record"));
    }

    private static scala.collection.immutable.Seq<String> scala(String... names) {
        return scala.jdk.javaapi.CollectionConverters.asScala(List.of(names)).toList();
    }
}
