package io.neuronatlas.cli;

import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.udfs.AtlasExtensions;
import java.util.function.BiConsumer;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import scopt.OParser;

/**
 * The SparkSession of a command, and the one place its settings are written. Under spark-submit the master and
 * settings come from spark-submit; run directly, Spark is embedded in local mode. A local master, or a cluster on
 * this machine's loopback, binds loopback and starts no UI, so a laptop or CI box exposes no ports.
 */
public final class Sessions {
    private Sessions() {
    }

    /** --master of the commands that open a session; left out, {@link #builder} picks it. */
    static <A> OParser<?, A> master(Scopt<A> s, BiConsumer<A, String> set) {
        return s.string("master", "URL", "Spark master when not run by spark-submit (default local[*])", set);
    }

    public static SparkSession open(String appName, String master) {
        return builder(appName, master).getOrCreate();
    }

    /** The builder open uses, for callers that add settings of their own (tests, benchmarks). */
    public static org.apache.spark.sql.classic.SparkSession.Builder builder(String appName, String master) {
        SparkConf conf = new SparkConf();
        // The classic builder itself: SparkSession.builder() finds it through Scala runtime reflection, whose
        // universe takes a fifth of a one-off lookup's start (issue 23).
        org.apache.spark.sql.classic.SparkSession.Builder builder = org.apache.spark.sql.classic.SparkSession.builder()
                .appName(appName)
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.extensions", extensions(conf.get("spark.sql.extensions", "")))
                // Checkpoint names are folder names: "007" must stay the string "007", never the number 7.
                .config(AtlasPaths.PARTITION_TYPE_INFERENCE, "false")
                // No spark-warehouse or metastore_db in the user's working directory: the atlas's tables are
                // temporary views, and nothing is ever created in a catalog.
                .config("spark.sql.catalogImplementation", conf.get("spark.sql.catalogImplementation", "in-memory"))
                .config("spark.sql.warehouse.dir", conf.get("spark.sql.warehouse.dir", warehouse()));
        String effective = master != null ? master : conf.get("spark.master", "local[*]");
        builder.master(effective);
        if (effective.startsWith("local") || effective.startsWith("spark://127.0.0.1:")) {
            builder.config("spark.driver.host", conf.get("spark.driver.host", "127.0.0.1"))
                    .config("spark.driver.bindAddress", conf.get("spark.driver.bindAddress", "127.0.0.1"))
                    .config("spark.ui.enabled", conf.get("spark.ui.enabled", "false"));
        }
        if (effective.startsWith("local")) {
            // One shuffle partition per local core rather than Spark's 200, which sized for a cluster made every
            // small shuffle of a lookup write and read 200 files per task.
            builder.config("spark.sql.shuffle.partitions", conf.get("spark.sql.shuffle.partitions",
                    Integer.toString(localCores(effective))));
        }
        return builder;
    }

    /** The cores of a local master: local[N] and local[N,F] give N; local and local[*] every core. */
    static int localCores(String master) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("local\\[(\\d+)(,\\d+)?]").matcher(master);
        return m.matches() ? Integer.parseInt(m.group(1)) : Runtime.getRuntime().availableProcessors();
    }

    /** Where Spark puts its (empty, never used) default database: the temporary folder, one per user. */
    static String warehouse() {
        return java.nio.file.Path.of(System.getProperty("java.io.tmpdir"),
                "neuron-atlas-warehouse-" + System.getProperty("user.name", "user")).toUri().toString();
    }

    /** The atlas's SQL functions, after any extensions the user configured. */
    static String extensions(String configured) {
        String ours = AtlasExtensions.class.getName();
        if (configured.isBlank()) {
            return ours;
        }
        return java.util.Arrays.asList(configured.split(",")).contains(ours) ? configured : configured + "," + ours;
    }
}
