package io.neuronatlas.query;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.atlas.MapTables;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.checkpoint.synthetic.SyntheticFamily;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * layer_scores, each layer's max_abs_score values sorted, written by the map; and alignment, which reads its exact
 * quantiles from it, or from neurons for an atlas mapped before it. Two checkpoints, one dense and one with experts
 * (a layer's experts pooled). Checked against the neurons rows in plain Java: a float64 nearest-rank reference.
 */
class LayerScoresTest {
    private static final List<String> COLUMNS = List.of("checkpoint", "matrix", "layer", "neurons", "min", "p25",
            "median", "p75", "p90", "p99", "max", "share_above");
    /** The quantiles, in percent, of the columns p25 .. p99. */
    private static final int[] PERCENTS = {25, 50, 75, 90, 99};

    @TempDir
    static Path dir;
    static Path atlasDir;
    /** checkpoint/matrix/layer -> its neurons' max_abs_score values, ascending. */
    static Map<String, float[]> scores;
    /** A threshold some neurons of every checkpoint are above and some below. */
    static double threshold;

    @BeforeAll
    static void mapTwoCheckpoints() throws IOException {
        SyntheticCheckpoint.Written dense = new SyntheticCheckpoint().layers(2).dModel(32).dMlp(37).vocab(300)
                .seed(21).write(dir.resolve("dense"));
        SyntheticCheckpoint.Written moe = new SyntheticCheckpoint().family(SyntheticFamily.QWEN2_MOE).layers(2)
                .dModel(32).dMlp(24).experts(3).expertDMlp(16).sharedExpertDMlp(8).denseLayers(0).vocab(300).seed(22)
                .write(dir.resolve("moe"));
        atlasDir = dir.resolve("atlas");
        Maps.of(dense.dir(), atlasDir).checkpoint("dense").shardSize(16).run();
        Maps.of(moe.dir(), atlasDir).checkpoint("moe").run();
        Map<String, List<Float>> lists = new TreeMap<>();
        for (Row r : TestSpark.session().read().parquet(atlasDir.resolve(MapTables.NEURONS).toString())
                .select("checkpoint", "matrix", "layer", "max_abs_score").collectAsList()) {
            lists.computeIfAbsent(key(r), k -> new ArrayList<>()).add(r.getFloat(3));
        }
        scores = new TreeMap<>();
        List<Float> all = new ArrayList<>();
        lists.forEach((k, v) -> {
            float[] sorted = new float[v.size()];
            for (int i = 0; i < sorted.length; i++) {
                sorted[i] = v.get(i);
            }
            Arrays.sort(sorted);
            scores.put(k, sorted);
            all.addAll(v);
        });
        all.sort(null);
        threshold = all.get(all.size() / 2);
    }

    private static String key(Row r) {
        // The layer is a string where read as a partition folder (the test session does not type partitions).
        return r.getAs("checkpoint") + "/" + r.getAs("matrix") + "/" + Integer.parseInt(String.valueOf(
                r.<Object>getAs("layer")));
    }

    @Test
    void eachRunHasOneFileWhoseRowsAreItsLayersSortedScores() throws IOException {
        try (Stream<Path> files = Files.walk(atlasDir.resolve(MapTables.LAYER_SCORES))) {
            List<String> names = files.filter(Files::isRegularFile).map(f -> atlasDir.relativize(f).toString())
                    .filter(f -> !f.endsWith(".crc")).sorted().toList();
            assertEquals(2, names.size(), names.toString());
            for (String name : names) {
                assertTrue(name.matches("layer_scores/checkpoint=(dense|moe)/run=[^/]+/layer-scores\\.zstd\\.parquet"),
                        name);
            }
        }
        Map<String, float[]> written = new TreeMap<>();
        for (Row r : TestSpark.session().read().parquet(atlasDir.resolve(MapTables.LAYER_SCORES).toString())
                .collectAsList()) {
            List<Float> values = r.getList(r.fieldIndex("max_abs_scores"));
            float[] array = new float[values.size()];
            for (int i = 0; i < array.length; i++) {
                array[i] = values.get(i);
            }
            assertEquals(array.length, (int) r.<Integer>getAs("neurons"), key(r));
            written.put(key(r), array);
        }
        assertEquals(scores.keySet(), written.keySet());
        // 37 neurons a dense layer; the experts' layer (layer 0 is dense) pools 3 x 16 routed and 8 shared neurons.
        assertEquals(37, scores.get("dense/up/1").length);
        assertEquals(24, scores.get("moe/down/0").length);
        assertEquals(3 * 16 + 8, scores.get("moe/down/1").length);
        scores.forEach((k, v) -> assertArrayEquals(v, written.get(k), k));
    }

    @Test
    void alignmentIsExactFromLayerScoresAndFromNeuronsAlike() throws IOException {
        Dataset<Row> fromFiles = Atlas.openForQueries(TestSpark.session(), atlasDir.toString()).alignment(threshold);
        assertEquals(COLUMNS, List.of(fromFiles.columns()));
        assertInputs(fromFiles, "/layer_scores/");
        List<Row> rows = fromFiles.collectAsList();
        checkAgainstReference(rows);

        Path old = dir.resolve("old-atlas");
        org.apache.commons.io.FileUtils.copyDirectory(atlasDir.toFile(), old.toFile());
        org.apache.commons.io.FileUtils.deleteDirectory(old.resolve(MapTables.LAYER_SCORES).toFile());
        for (Atlas atlas : List.of(Atlas.openForQueries(TestSpark.session(), old.toString()),
                Atlas.open(TestSpark.session(), old.toString()))) {
            Dataset<Row> fromNeurons = atlas.alignment(threshold);
            assertInputs(fromNeurons, "/neurons/");
            assertEquals(rows, fromNeurons.collectAsList());
        }
    }

    private static void assertInputs(Dataset<Row> rows, String table) {
        String[] files = rows.inputFiles();
        assertTrue(files.length > 0);
        for (String file : files) {
            assertTrue(file.contains(table), file + " read, not " + table);
        }
    }

    private static void checkAgainstReference(List<Row> rows) {
        assertEquals(new ArrayList<>(scores.keySet()), rows.stream().map(LayerScoresTest::key).toList(),
                "one row per checkpoint, matrix and layer, in order");
        int above = 0;
        int below = 0;
        for (Row r : rows) {
            float[] sorted = scores.get(key(r));
            int n = sorted.length;
            double[] values = new double[n];
            for (int i = 0; i < n; i++) {
                values[i] = sorted[i];
            }
            assertEquals(n, r.<Long>getAs("neurons"), key(r));
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            int over = 0;
            for (double v : values) {
                min = Math.min(min, v);
                max = Math.max(max, v);
                over += v > threshold ? 1 : 0;
            }
            assertEquals(min, r.<Float>getAs("min"), 0.0, key(r) + " min");
            assertEquals(max, r.<Float>getAs("max"), 0.0, key(r) + " max");
            for (int q = 0; q < PERCENTS.length; q++) {
                // Nearest rank: the ceil(p * n)-th smallest value, 1-based, in integer arithmetic.
                int rank = Math.max(1, (PERCENTS[q] * n + 99) / 100);
                String column = COLUMNS.get(5 + q);
                assertEquals(values[rank - 1], r.<Float>getAs(column), 0.0, key(r) + " " + column);
            }
            assertEquals((double) over / n, r.<Double>getAs("share_above"), 1e-12, key(r) + " share_above");
            above += over;
            below += n - over;
        }
        assertTrue(above > 0 && below > 0, "the threshold splits the neurons: " + above + " above, " + below);
    }
}
