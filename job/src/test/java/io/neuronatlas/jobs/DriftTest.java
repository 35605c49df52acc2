package io.neuronatlas.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.PlantedNeuron;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.Comparison;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import io.neuronatlas.testing.WeightEdits;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.commons.io.FileUtils;
import org.apache.commons.io.output.NullOutputStream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * drift end to end on a base and a "tuned" checkpoint of the same seed: the tuned one's planted up_proj neuron moved
 * from " dog" to " cat", and a few up_proj rows of layer 0 were pushed along one axis. KL and JS of the moved neurons
 * against a float64 loop over the whole vocabulary; the kept-top-token share against compare's.
 */
class DriftTest {
    static final int VOCAB = 512;
    static final int D = 64;
    static final int D_MLP = 32;
    static final int PUSHED = 12;

    @TempDir
    static Path dir;
    static SyntheticCheckpoint.Written base;
    static SyntheticCheckpoint.Written tuned;
    static Path atlas;

    private static SyntheticCheckpoint shapes() {
        return new SyntheticCheckpoint().layers(2).dModel(D).dMlp(D_MLP).vocab(VOCAB).seed(9);
    }

    @BeforeAll
    static void write() throws IOException {
        base = shapes().plant(PlantedNeuron.dog(1, 7)).write(dir.resolve("base"));
        tuned = shapes().plant(new PlantedNeuron(MlpMatrix.UP, 1, 7, Map.of(" cat", 1.0))).write(dir.resolve("tuned"));
        String up = tuned.placement(MlpMatrix.UP, 0, null).tensor();
        for (int n = 0; n < PUSHED; n++) {
            WeightEdits.set(tuned.dir().resolve("model.safetensors"), up, n, (n * 5) % D, 2.5f);
        }
        atlas = dir.resolve("atlas");
        Maps.of(base.dir(), atlas).checkpoint("base").matrices(MlpMatrix.UP).run();
        Maps.of(tuned.dir(), atlas).checkpoint("tuned").matrices(MlpMatrix.UP).run();
    }

    private static DriftJob job() {
        return new DriftJob(TestSpark.session(), new PrintStream(NullOutputStream.INSTANCE));
    }

    @Test
    void theMovedNeuronRanksFirstAndKeptTopTokensEqualCompare() throws IOException {
        job().drift(DriftOptions.builder(atlas.toString(), "base").model(tuned.dir())
                .checkpoint("tuned").device(DeviceMode.CPU).build());
        Atlas opened = Atlas.open(TestSpark.session(), atlas.toString());
        List<Row> moved = opened.drift("drift-moved", "base", "tuned").collectAsList();
        Row first = moved.get(0);
        assertEquals(List.of("up", 1, 7, " dog", " cat"), List.of(first.getAs("matrix"), first.getAs("layer"),
                first.getAs("neuron"), first.getAs("top_token_base"), first.getAs("top_token")));
        assertEquals(2 * D_MLP, moved.size());

        // Every neuron left alone has not moved at all; the pushed ones and the planted one have.
        for (Row r : moved) {
            boolean touched = "up".equals(r.getAs("matrix")) && ((int) r.getAs("layer") == 0
                    && (int) r.getAs("neuron") < PUSHED || (int) r.getAs("layer") == 1 && (int) r.getAs("neuron") == 7);
            double js = r.getAs("js_distance");
            assertEquals(touched, js > 1e-3, "js " + js + " of " + r);
            if (!touched) {
                assertEquals(0.0, js);
                assertEquals(0.0, (double) r.getAs("kl_base_to_checkpoint"));
                assertTrue((boolean) r.getAs("top_token_kept"));
            }
        }

        // The paper's figure: drift's kept share is compare's agreement, per matrix and overall.
        Map<String, Double> agreement = new java.util.HashMap<>();
        for (Row r : new Comparison(opened, "base", "tuned").overall().collectAsList()) {
            agreement.put(r.getAs("matrix"), ((Number) r.getAs("agreement")).doubleValue());
        }
        List<Row> summary = opened.drift("drift-summary", "base", "tuned").collectAsList();
        assertEquals(2, summary.size());
        for (Row r : summary) {
            assertEquals(agreement.get((String) r.getAs("matrix")), ((Number) r.getAs("kept_share")).doubleValue(),
                    "kept share of " + r.getAs("matrix"));
        }
        assertTrue(agreement.get("up") < 1, "some up_proj neurons changed their top token: " + agreement);

        // KL both ways and JS against float64 over the whole vocabulary.
        Map<Integer, Row> layer0 = new java.util.HashMap<>();
        for (Row r : moved) {
            if ("up".equals(r.getAs("matrix")) && (int) r.getAs("layer") == 0) {
                layer0.put(r.getAs("neuron"), r);
            }
        }
        try (Checkpoint a = Checkpoint.open(base.dir()); Checkpoint b = Checkpoint.open(tuned.dir())) {
            float[] head = new float[VOCAB * D];
            a.lmHeadRows(false).read(0, VOCAB, head);
            for (int n : new int[] {0, 3, PUSHED - 1, PUSHED}) {
                float[] x = new float[D];
                float[] y = new float[D];
                a.readNeurons(MlpMatrix.UP, 0, n, 1, x);
                b.readNeurons(MlpMatrix.UP, 0, n, 1, y);
                double[] expected = divergences(head, x, y);
                Row r = layer0.get(n);
                assertEquals(expected[0], r.getAs("kl_base_to_checkpoint"), 1e-5 + 1e-4 * expected[0]);
                assertEquals(expected[1], r.getAs("kl_checkpoint_to_base"), 1e-5 + 1e-4 * expected[1]);
                assertEquals(expected[2], r.getAs("js_distance"), 1e-3 * Math.max(expected[2], 1e-2));
            }
        }
    }

    /** KL(p‖q), KL(q‖p) and the JS distance (bits) of softmax(U·x) and softmax(U·y), in double. */
    private static double[] divergences(float[] head, float[] x, float[] y) {
        double[] lp = logSoftmax(head, x);
        double[] lq = logSoftmax(head, y);
        double kl = 0;
        double reverse = 0;
        double js = 0;
        for (int t = 0; t < VOCAB; t++) {
            double p = Math.exp(lp[t]);
            double q = Math.exp(lq[t]);
            double m = (p + q) / 2;
            kl += p * (lp[t] - lq[t]);
            reverse += q * (lq[t] - lp[t]);
            js += 0.5 * (p * Math.log(p / m) + q * Math.log(q / m));
        }
        return new double[] {kl, reverse, Math.sqrt(js / Math.log(2))};
    }

    private static double[] logSoftmax(float[] head, float[] x) {
        double[] s = new double[VOCAB];
        double max = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < VOCAB; t++) {
            for (int j = 0; j < D; j++) {
                s[t] += (double) head[t * D + j] * x[j];
            }
            max = Math.max(max, s[t]);
        }
        double sum = 0;
        for (double v : s) {
            sum += Math.exp(v - max);
        }
        double lse = max + Math.log(sum);
        for (int t = 0; t < VOCAB; t++) {
            s[t] -= lse;
        }
        return s;
    }

    @Test
    void aCheckpointAgainstItselfHasNotMovedAnywhere() throws IOException {
        job().drift(DriftOptions.builder(atlas.toString(), "base").checkpoint("base")
                .device(DeviceMode.CPU).build());
        Atlas opened = Atlas.open(TestSpark.session(), atlas.toString());
        List<Row> rows = opened.drift("drift-moved", "base", "base").collectAsList();
        assertEquals(2 * D_MLP, rows.size());
        for (Row r : rows) {
            assertEquals(0.0, (double) r.getAs("js_distance"), r.toString());
            assertEquals(0.0, (double) r.getAs("kl_base_to_checkpoint"), r.toString());
            assertEquals(0.0, (double) r.getAs("kl_checkpoint_to_base"), r.toString());
            assertEquals(1.0, (double) r.getAs("weight_cos"), 1e-12, r.toString());
            assertEquals(1.0, (double) r.getAs("top_k_jaccard_pos"), r.toString());
            assertEquals(1.0, (double) r.getAs("top_k_jaccard_neg"), r.toString());
            assertTrue((boolean) r.getAs("top_token_kept"), r.toString());
        }
        // Up to date the second time: same weights, same parameters.
        assertTrue(!job().drift(DriftOptions.builder(atlas.toString(), "base").checkpoint("base")
                .device(DeviceMode.CPU).build())
                .ran());
    }

    @Test
    void differentVocabulariesAreRefusedNamingTheFirstDifferingId() throws IOException {
        Path other = dir.resolve("other-vocabulary");
        FileUtils.copyDirectory(base.dir().toFile(), other.toFile());
        ObjectMapper json = new ObjectMapper();
        ObjectNode tokenizer = (ObjectNode) json.readTree(other.resolve("tokenizer.json").toFile());
        ObjectNode vocab = (ObjectNode) tokenizer.get("model").get("vocab");
        String renamed = null;
        for (Iterator<Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> e = it.next();
            if (e.getValue().asInt() == 300) {
                renamed = e.getKey();
            }
        }
        vocab.remove(renamed);
        vocab.put("Ġzzqx", 300);
        Files.writeString(other.resolve("tokenizer.json"), json.writeValueAsString(tokenizer));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> job().drift(
                DriftOptions.builder(atlas.toString(), "base").model(other).checkpoint("other")
                        .device(DeviceMode.CPU).build()));
        assertTrue(e.getMessage().contains("token id 300 is"), e.getMessage());
        assertTrue(e.getMessage().contains(" zzqx"), e.getMessage());
        assertTrue(Files.notExists(atlas.resolve("drifts/other~base.json")));
    }
}
