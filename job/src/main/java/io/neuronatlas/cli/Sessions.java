package io.neuronatlas.cli;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The SparkSession of a command. Under spark-submit the master and settings come from spark-submit; run directly,
 * Spark is embedded in local mode on loopback.
 */
final class Sessions {
    private Sessions() {
    }

    static SparkSession open(String appName, String master) {
        SparkConf conf = new SparkConf();
        SparkSession.Builder builder = SparkSession.builder().appName(appName)
                .config("spark.ui.showConsoleProgress", "false");
        String effective = master != null ? master : conf.get("spark.master", "local[*]");
        builder.master(effective);
        if (effective.startsWith("local")) {
            builder.config("spark.driver.host", conf.get("spark.driver.host", "127.0.0.1"))
                    .config("spark.driver.bindAddress", conf.get("spark.driver.bindAddress", "127.0.0.1"))
                    .config("spark.ui.enabled", conf.get("spark.ui.enabled", "false"));
        }
        return builder.getOrCreate();
    }
}
