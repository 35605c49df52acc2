package io.neuronatlas.compute.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.checkpoint.safetensors.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every dense family's forward pass against transformers 5.18 itself: the tiny random models and the outputs their
 * modeling code computed (tools/hf-fixtures/make_fixtures.py, committed under resources/hf/FAMILY). Per prompt, the
 * next-token logits within 1e-4 of the largest |logit|, the same with one MLP neuron clamped at every position (a
 * forward pre-hook on down_proj in transformers) through {@link ForwardPass} and through {@link ClampSweeper}'s
 * batched sweep, greedy continuations token for token, and MLP activations within 1e-5.
 *
 * <p>The configs are the ones transformers 4 writes (config.v4.json: rope_theta, rope_scaling, rope_local_base_freq,
 * rotary_pct): reading transformers 5's rope_parameters is another part of issue 22.
 */
@ExtendWith(OneTorchThread.class)
class TransformersReferenceTest {
    private static final Path FIXTURES = Path.of("src/test/resources/hf");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama-linear", "llama-llama3", "mistral", "qwen2", "qwen3", "olmo2", "gemma",
        "gemma2", "gemma3_text", "gemma3", "gpt2", "gpt_neox"})
    void matchesTransformers(String family) throws IOException {
        Path fixture = FIXTURES.resolve(family);
        for (String file : List.of("model.safetensors", "tokenizer.json")) {
            Files.copy(fixture.resolve(file), dir.resolve(file));
        }
        Files.copy(fixture.resolve("config.v4.json"), dir.resolve("config.json"));
        JsonNode refs = new ObjectMapper().readTree(fixture.resolve("references.json").toFile());
        List<int[]> prompts = ints(refs.get("prompts"));
        List<int[]> greedy = ints(refs.get("greedy"));
        JsonNode clamp = refs.get("clamps").get(0);
        NeuronRef clamped = new NeuronRef(clamp.get("layer").asInt(), clamp.get("neuron").asInt());
        double value = clamp.get("value").asDouble();
        try (DecoderModel model = DecoderModel.load(dir, Device.cpu(), Precision.FP32);
             SafetensorsFile expected = SafetensorsFile.open(fixture.resolve("references.safetensors"))) {
            int vocab = model.config().model().vocab();
            ForwardPass pass = new ForwardPass(model);
            ClampSweeper sweeper = new ClampSweeper(model);
            Generator generator = new Generator(model);
            ActivationCapture capture = new ActivationCapture(model);
            for (int p = 0; p < prompts.size(); p++) {
                int[] prompt = prompts.get(p);
                String at = family + ", prompt " + p + " (" + prompt.length + " tokens)";
                double[] logits = lastRow(expected, "logits." + p, prompt.length, vocab);
                float[] actual = pass.nextTokenLogits(new int[][] {prompt}, Clamps.none())[0];
                assertTrue(Models.relativeError(actual, logits) < 1e-4, at + ": logits off by "
                        + Models.relativeError(actual, logits));

                double[] clampedLogits = lastRow(expected, "clamp0.logits." + p, prompt.length, vocab);
                float[] steered = pass.nextTokenLogits(new int[][] {prompt},
                        Clamps.of(ClampScope.ALL, new Clamp(clamped, value)))[0];
                assertTrue(Models.relativeError(steered, clampedLogits) < 1e-4, at + ": clamped logits off by "
                        + Models.relativeError(steered, clampedLogits));
                double[] probs = softmax(clampedLogits);
                int target = argMax(clampedLogits);
                NextTokenStats swept = sweeper.sweep(prompt, List.of(clamped), new double[] {value}, target,
                        ClampScope.ALL).get(0).points().get(0).stats();
                assertEquals(probs[target], swept.targetProb(), 1e-4, at + ": swept probability");
                assertEquals(target, swept.top1Id(), at + ": swept top token");

                int[] tokens = generator.generate(prompt, Clamps.none(),
                        new GenerationOptions(1, greedy.get(p).length, 0, 1, 0)).get(0).tokens();
                assertArrayEquals(greedy.get(p), tokens, at + ": greedy continuation");
            }
            for (JsonNode layerActs : refs.get("activations")) {
                int layer = layerActs.get("layer").asInt();
                int[] neurons = ints(List.of(layerActs.get("neurons"))).get(0);
                for (int p = 0; p < prompts.size(); p++) {
                    int positions = prompts.get(p).length;
                    float[] reference = new float[positions * neurons.length];
                    expected.readRows("act" + layer + "." + p, 0, positions, reference, 0);
                    float[][] captured = new float[1][];
                    capture.capture(new int[][] {prompts.get(p)}, new int[] {layer}, (l, a) -> captured[0] = a.clone());
                    for (int n = 0; n < neurons.length; n++) {
                        for (int pos = 0; pos < positions; pos++) {
                            float want = reference[pos * neurons.length + n];
                            float got = captured[0][neurons[n] * positions + pos];
                            assertEquals(want, got, 1e-5 * Math.max(1, Math.abs(want)), family + ", layer " + layer
                                    + ", neuron " + neurons[n] + ", prompt " + p + ", position " + pos);
                        }
                    }
                }
            }
        }
    }

    private static List<int[]> ints(Iterable<JsonNode> rows) {
        List<int[]> out = new ArrayList<>();
        for (JsonNode row : rows) {
            int[] ids = new int[row.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = row.get(i).asInt();
            }
            out.add(ids);
        }
        return out;
    }

    private static List<int[]> ints(JsonNode rows) {
        List<JsonNode> list = new ArrayList<>();
        rows.forEach(list::add);
        return ints(list);
    }

    /** The logits after the whole prompt: the last row of (positions, vocab). */
    private static double[] lastRow(SafetensorsFile file, String tensor, int positions, int vocab) throws IOException {
        float[] row = new float[vocab];
        file.readRows(tensor, positions - 1, 1, row, 0);
        double[] out = new double[vocab];
        for (int i = 0; i < vocab; i++) {
            out[i] = row[i];
        }
        return out;
    }

    private static double[] softmax(double[] logits) {
        double max = logits[argMax(logits)];
        double total = 0;
        double[] p = new double[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            total += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= total;
        }
        return p;
    }

    private static int argMax(double[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }
}
