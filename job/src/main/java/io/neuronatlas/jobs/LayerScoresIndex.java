package io.neuronatlas.jobs;

import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.atlas.MapTables;
import io.neuronatlas.atlas.ShardWriter;
import io.neuronatlas.atlas.TableFile;
import io.neuronatlas.atlas.TokenLayout;
import io.neuronatlas.compute.Shard;
import java.io.IOException;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * After the shards: the run's layer_scores file ({@link MapTables#LAYER_SCORES}), every matrix and layer's
 * max_abs_score values sorted, from the neurons files the driver has just checked committed. One aggregate over
 * those files' max_abs_score column, collected to the driver (a row per matrix and layer: 96 rows, 1.4 M floats for
 * an 8B model), which writes the one file.
 */
public final class LayerScoresIndex {
    private LayerScoresIndex() {
    }

    /** Writes the run's layer_scores file; returns it, relative to the atlas. */
    public static List<String> write(SparkSession spark, String atlas, String checkpoint, String run,
                                     List<Shard> shards) throws IOException {
        String neuronsPrefix = MapTables.NEURONS + "/";
        String[] files = shards.stream()
                .flatMap(shard -> ShardWriter.committedFiles(checkpoint, run, shard, false).stream())
                .filter(f -> f.startsWith(neuronsPrefix)).map(f -> new Path(atlas, f).toString())
                .toArray(String[]::new);
        List<Row> layers = List.of();
        if (files.length > 0) {
            String inference = spark.conf().get(AtlasPaths.PARTITION_TYPE_INFERENCE, "true");
            // Matrix and layer come from the partition folders; untyped, so no checkpoint name is read as a number.
            spark.conf().set(AtlasPaths.PARTITION_TYPE_INFERENCE, "false");
            try {
                layers = spark.read().option("basePath", new Path(atlas, MapTables.NEURONS).toString())
                        .parquet(files)
                        .groupBy(functions.col("matrix"), functions.col("layer").cast("int").as("layer"))
                        .agg(functions.count(functions.lit(1)).cast("int").as("neurons"),
                                functions.sort_array(functions.collect_list("max_abs_score")).as("max_abs_scores"))
                        .orderBy("matrix", "layer")
                        .collectAsList();
            } finally {
                spark.conf().set(AtlasPaths.PARTITION_TYPE_INFERENCE, inference);
            }
        }
        String relativeRunDir = MapTables.LAYER_SCORES + "/" + AtlasPaths.runPath(checkpoint, run);
        try (TableFile file = TableFile.open(spark.sparkContext().hadoopConfiguration(),
                new Path(atlas, relativeRunDir), MapTables.LAYER_SCORES_FILE_NAME, 0, MapTables.LAYER_SCORES_FILE,
                TokenLayout.LOOKUP, UnaryOperator.identity())) {
            for (Row layer : layers) {
                List<Float> scores = layer.getList(3);
                float[] sorted = new float[scores.size()];
                for (int i = 0; i < sorted.length; i++) {
                    sorted[i] = scores.get(i);
                }
                file.write(f -> f.add(layer.getString(0)).add(layer.getInt(1)).add(layer.getInt(2)).addList(sorted));
            }
            file.commit();
        }
        return List.of(relativeRunDir + "/" + MapTables.LAYER_SCORES_FILE_NAME);
    }
}
