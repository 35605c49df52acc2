package io.neuronatlas.query;

import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Two checkpoints of one atlas side by side, through the canned queries compare (per matrix and layer),
 * compare_overall (per matrix and in all) and compare_changed (neurons by least overlap of their '+' top tokens).
 */
public final class Comparison {
    public static final String BY_LAYER = "by_layer";
    public static final String OVERALL = "overall";
    public static final String CHANGED_MOST = "changed_most";

    private final SparkSession spark;
    private final Map<String, Object> parameters;

    /** Compares checkpoint a with b in an atlas opened in this session; both must be published in it. */
    public Comparison(Atlas atlas, String a, String b) {
        for (String name : new String[] {a, b}) {
            if (atlas.checkpoints().stream().noneMatch(e -> e.checkpoint().equals(name))) {
                throw new IllegalArgumentException("checkpoint '" + name + "' is not in the atlas; it holds "
                        + atlas.checkpoints().stream().map(e -> e.checkpoint()).toList());
            }
        }
        // compare_changed reads the checkpoints view (each map's top_k).
        atlas.registerDeferred();
        this.spark = atlas.spark();
        this.parameters = Map.of("a", a, "b", b);
    }

    public Dataset<Row> byLayer() {
        return spark.sql(CannedQuery.sql("compare"), parameters);
    }

    public Dataset<Row> overall() {
        return spark.sql(CannedQuery.sql("compare_overall"), parameters);
    }

    /** Every neuron mapped in both, least overlap first. */
    public Dataset<Row> changedMost() {
        return spark.sql(CannedQuery.sql("compare_changed"), parameters);
    }

    /** Writes by_layer, overall and the first changedLimit rows of changed_most as Parquet folders under dir. */
    public void write(String dir, int changedLimit) {
        byLayer().coalesce(1).write().mode(SaveMode.Overwrite).parquet(dir + "/" + BY_LAYER);
        overall().coalesce(1).write().mode(SaveMode.Overwrite).parquet(dir + "/" + OVERALL);
        changedMost().limit(changedLimit).coalesce(1).write().mode(SaveMode.Overwrite)
                .parquet(dir + "/" + CHANGED_MOST);
    }
}
