package io.neuronatlas.testing;

import io.neuronatlas.cli.Sessions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** One local Spark session for the whole test JVM, on loopback, two task slots (so shards run concurrently). */
public final class TestSpark {
    private TestSpark() {
    }

    public static synchronized SparkSession session() {
        return Sessions.builder("neuron-atlas-tests", "local[2]").config("spark.sql.shuffle.partitions", "4")
                .getOrCreate();
    }

    /**
     * All rows of one atlas table, sorted by every column, so two maps can be compared row for row. The run
     * column is left out: run ids differ between two maps of the same rows.
     */
    public static List<Row> table(String atlas, String table) {
        SparkSession spark = session();
        List<Row> rows = new ArrayList<>(spark.read().parquet(atlas + "/" + table).drop("run").collectAsList());
        rows.sort(Comparator.comparing(Row::toString));
        return rows;
    }

    /** Rows as maps from column name to value, sorted for stable comparison. */
    public static List<java.util.Map<String, Object>> tableAsMaps(String atlas, String table) {
        List<java.util.Map<String, Object>> maps = new ArrayList<>();
        for (Row row : table(atlas, table)) {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            for (String field : row.schema().fieldNames()) {
                m.put(field, row.getAs(field));
            }
            maps.add(m);
        }
        return maps;
    }
}
