package io.neuronatlas.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.PlantedNeuron;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.checkpoint.synthetic.SyntheticVocabulary;
import io.neuronatlas.cli.Main;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * compare on two checkpoints built to agree on a known share of neurons: the same seed, so every random neuron is
 * identical in both, and a known set of neurons planted with a different top token in each.
 */
class CompareTest {
    static final int LAYERS = 2;
    static final int D_MLP = 64;
    static final int UP_CHANGED = 16; // up_proj layer 0, neurons 0..15
    static final int DOWN_CHANGED = 8; // down_proj layer 1, neurons 0..7

    @TempDir
    static Path dir;
    static Path atlas;

    @BeforeAll
    static void mapBaseAndInstruct() throws IOException {
        List<String> words = SyntheticVocabulary.tokens(299);
        SyntheticCheckpoint base = shape();
        SyntheticCheckpoint instruct = shape();
        for (int n = 0; n < UP_CHANGED + DOWN_CHANGED; n++) {
            MlpMatrix m = n < UP_CHANGED ? MlpMatrix.UP : MlpMatrix.DOWN;
            int layer = n < UP_CHANGED ? 0 : 1;
            int neuron = n < UP_CHANGED ? n : n - UP_CHANGED;
            base.plant(new PlantedNeuron(m, layer, neuron, Map.of(words.get(100 + n), 1.0)));
            instruct.plant(new PlantedNeuron(m, layer, neuron, Map.of(words.get(200 + n), 1.0)));
        }
        atlas = dir.resolve("atlas");
        Maps.of(base.write(dir.resolve("base")).dir(), atlas).topK(5).run();
        Maps.of(instruct.write(dir.resolve("instruct")).dir(), atlas).topK(5).run();
    }

    private static SyntheticCheckpoint shape() {
        return new SyntheticCheckpoint().layers(LAYERS).dModel(32).dMlp(D_MLP).vocab(300).seed(9);
    }

    private static Comparison comparison() throws IOException {
        SparkSession spark = TestSpark.session();
        return new Comparison(Atlas.open(spark, atlas.toString()), "base", "instruct");
    }

    @Test
    void agreementPerMatrixAndLayerIsTheShareOfUnchangedNeurons() throws IOException {
        Comparison comparison = comparison();
        List<Row> rows = comparison.byLayer().collectAsList();
        assertEquals(List.of("matrix", "layer", "neurons", "same_top_token", "agreement"),
                List.of(comparison.byLayer().columns()), "the columns notebooks rely on");
        assertEquals(3 * LAYERS, rows.size());
        for (Row row : rows) {
            String matrix = row.getString(0);
            int layer = row.getInt(1);
            long changed = matrix.equals("up") && layer == 0 ? UP_CHANGED
                    : matrix.equals("down") && layer == 1 ? DOWN_CHANGED : 0;
            assertEquals(D_MLP, row.getLong(2), matrix + " " + layer);
            assertEquals(D_MLP - changed, row.getLong(3), matrix + " " + layer);
            assertEquals((double) (D_MLP - changed) / D_MLP, row.getDouble(4), 1e-12, matrix + " " + layer);
        }
        assertEquals(List.of("down", "down", "gate", "gate", "up", "up"),
                rows.stream().map(r -> r.getString(0)).toList(), "ordered by matrix, layer");
        assertEquals(0.75, rows.get(4).getDouble(4), 1e-12, "up layer 0: 48 of 64");

        Map<String, Double> overall = new java.util.HashMap<>();
        comparison.overall().collectAsList().forEach(r -> overall.put(r.getString(0), r.getDouble(4)));
        assertEquals(Map.of("down", 120 / 128.0, "gate", 1.0, "up", 112 / 128.0, "all", 360 / 384.0), overall);
    }

    @Test
    void theNeuronsThatChangedMostAreThePlantedOnes() throws IOException {
        List<Row> changed = comparison().changedMost().collectAsList();
        assertEquals(3 * LAYERS * D_MLP, changed.size(), "every neuron mapped in both");
        Set<String> planted = new HashSet<>();
        for (int n = 0; n < UP_CHANGED; n++) {
            planted.add("up/0/" + n);
        }
        for (int n = 0; n < DOWN_CHANGED; n++) {
            planted.add("down/1/" + n);
        }
        Set<String> first = new HashSet<>();
        for (Row row : changed.subList(0, planted.size())) {
            first.add(row.getAs("matrix") + "/" + row.getAs("layer") + "/" + row.getAs("neuron"));
            assertTrue((Double) row.getAs("overlap") < 1.0, row.toString());
            assertTrue(!row.getAs("top_token_a").equals(row.getAs("top_token_b")), row.toString());
        }
        assertEquals(planted, first);
        for (Row row : changed.subList(planted.size(), changed.size())) {
            assertEquals(1.0, (Double) row.getAs("overlap"), row.toString());
            assertEquals(5, (Integer) row.getAs("top_k"));
        }
    }

    @Test
    void theCommandPrintsTheTablesAndWritesThemAsParquet() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Path written = dir.resolve("comparison");
        int code = Main.run(new String[] {"compare", "base", "instruct", "--atlas", atlas.toString(), "--out",
            written.toString(), "--limit", "5"}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, printed);
        assertTrue(printed.matches("(?s).*\\nup +0 +64 +48 +0\\.7500 *\\n.*"), printed);
        assertTrue(printed.matches("(?s).*\\nall +2 +384 +360 +0\\.9375 *\\n.*"), printed);
        Row row = TestSpark.session().read().parquet(written + "/by_layer")
                .where("matrix = 'down' AND layer = 1").first();
        assertEquals(56L, (Long) row.getAs("same_top_token"));
        assertEquals(5, TestSpark.session().read().parquet(written + "/changed_most").count());
        System.out.println(printed);
    }

    @Test
    void anUnknownCheckpointIsNamed() throws IOException {
        SparkSession spark = TestSpark.session();
        Atlas opened = Atlas.open(spark, atlas.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Comparison(opened, "base", "chat"));
        assertTrue(e.getMessage().contains("'chat' is not in the atlas"), e.getMessage());
    }
}
