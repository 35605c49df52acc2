package io.neuronatlas.jobs;

import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.atlas.MapTables;
import io.neuronatlas.atlas.ShardWriter;
import io.neuronatlas.atlas.TableFile;
import io.neuronatlas.atlas.TokenLayout;
import io.neuronatlas.compute.Shard;
import java.io.IOException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * After the shards: the run's layer_scores file ({@link MapTables#LAYER_SCORES}), every matrix and layer's
 * max_abs_score values sorted, from the neurons files the driver has just checked committed. One plain RDD task per
 * file reads its max_abs_score column (parquet-hadoop, that column alone); the driver pools a layer's files (its
 * shards, every expert's rows), sorts them and writes the one file: 96 rows, 1.4 M floats for an 8B model. Not a
 * Spark SQL aggregate: its planning and shuffle took 10 s of the 8B-size synthetic map.
 */
public final class LayerScoresIndex {
    private LayerScoresIndex() {
    }

    /** A neurons file of the run, with the matrix and layer its folder names. */
    private record NeuronsFile(String path, String matrix, int layer) implements Serializable {
    }

    /** One file's max_abs_score values, in file order. */
    private record FileScores(String matrix, int layer, float[] scores) implements Serializable {
    }

    /** Writes the run's layer_scores file; returns it, relative to the atlas. */
    public static List<String> write(SparkSession spark, String atlas, String checkpoint, String run,
                                     List<Shard> shards) throws IOException {
        String neuronsPrefix = MapTables.NEURONS + "/";
        List<NeuronsFile> files = shards.stream().flatMap(shard -> ShardWriter.committedFiles(checkpoint, run, shard,
                        false).stream().filter(f -> f.startsWith(neuronsPrefix)).map(f -> new NeuronsFile(
                                new Path(atlas, f).toString(), shard.matrix().label(), shard.layer())))
                .toList();
        Map<String, Map<Integer, float[]>> layers = new TreeMap<>();
        if (!files.isEmpty()) {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            for (FileScores f : jsc.parallelize(files, files.size())
                    .map(file -> new FileScores(file.matrix(), file.layer(), maxAbsScores(SparkTasks.hadoopConf(),
                            new Path(file.path()))))
                    .collect()) {
                layers.computeIfAbsent(f.matrix(), m -> new TreeMap<>()).merge(f.layer(), f.scores(),
                        LayerScoresIndex::concat);
            }
        }
        String relativeRunDir = MapTables.LAYER_SCORES + "/" + AtlasPaths.runPath(checkpoint, run);
        try (TableFile file = TableFile.open(spark.sparkContext().hadoopConfiguration(),
                new Path(atlas, relativeRunDir), MapTables.LAYER_SCORES_FILE_NAME, 0, MapTables.LAYER_SCORES_FILE,
                TokenLayout.LOOKUP, UnaryOperator.identity())) {
            for (Map.Entry<String, Map<Integer, float[]>> matrix : layers.entrySet()) {
                for (Map.Entry<Integer, float[]> layer : matrix.getValue().entrySet()) {
                    float[] sorted = layer.getValue();
                    Arrays.sort(sorted);
                    file.write(f -> f.add(matrix.getKey()).add(layer.getKey()).add(sorted.length).addList(sorted));
                }
            }
            file.commit();
        }
        return List.of(relativeRunDir + "/" + MapTables.LAYER_SCORES_FILE_NAME);
    }

    /** The max_abs_score column of a neurons file, read alone. */
    private static float[] maxAbsScores(Configuration conf, Path file) throws IOException {
        Configuration projected = new Configuration(conf);
        projected.set(ReadSupport.PARQUET_READ_SCHEMA, "message neurons { required float max_abs_score; }");
        float[] scores = new float[1024];
        int n = 0;
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), file).withConf(projected)
                .build()) {
            for (Group row = reader.read(); row != null; row = reader.read()) {
                if (n == scores.length) {
                    scores = Arrays.copyOf(scores, 2 * n);
                }
                scores[n++] = row.getFloat(0, 0);
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot read max_abs_score from " + file + ": " + e.getMessage(), e);
        }
        return Arrays.copyOf(scores, n);
    }

    private static float[] concat(float[] a, float[] b) {
        float[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
