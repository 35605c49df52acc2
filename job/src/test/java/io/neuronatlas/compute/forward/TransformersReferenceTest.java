package io.neuronatlas.compute.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.neuronatlas.testing.HfFixture;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every dense family's forward pass against transformers 5.18 itself: the tiny random models and the outputs their
 * modeling code computed ({@link HfFixture}: tools/hf-fixtures/make_fixtures.py, committed under resources/hf). Per
 * prompt, the next-token logits within 1e-4 of the largest |logit|, the same with one MLP neuron clamped at every
 * position (a forward pre-hook on the MLP's output projection in transformers) through {@link ForwardPass} and through
 * {@link ClampSweeper}'s batched sweep (probability within 1e-4), greedy continuations token for token, and MLP
 * activations within 1e-5. config.json as transformers 5 writes it (rope_parameters) is checked whole; as
 * transformers 4 writes it (rope_scaling, rope_theta, rope_local_base_freq, rotary_pct), the logits.
 */
@ExtendWith(OneTorchThread.class)
class TransformersReferenceTest {
    static final List<String> DENSE = List.of("llama", "llama-linear", "llama-llama3", "llama-dynamic", "llama-yarn",
            "llama-longrope", "mistral", "qwen2", "qwen3", "olmo2", "gemma", "gemma2", "gemma3_text", "gemma3", "phi3",
            "gpt2", "gpt_neox");

    @TempDir
    Path scratch;

    static List<String> dense() {
        return DENSE;
    }

    @ParameterizedTest
    @MethodSource("dense")
    void matchesTransformers(String family) throws IOException {
        HfFixture fixture = HfFixture.load(family);
        HfFixture.Clamp clamp = fixture.clamp();
        NeuronRef clamped = new NeuronRef(clamp.layer(), clamp.neuron());
        try (DecoderModel model = DecoderModel.load(fixture.modelDir(), Device.cpu(), Precision.FP32)) {
            ForwardPass pass = new ForwardPass(model);
            ClampSweeper sweeper = new ClampSweeper(model);
            Generator generator = new Generator(model);
            for (int p = 0; p < fixture.promptCount(); p++) {
                int[] prompt = fixture.prompt(p);
                String at = family + ", prompt " + p + " (" + prompt.length + " tokens)";
                float[] logits = last(fixture.logits(p));
                float[] actual = pass.nextTokenLogits(new int[][] {prompt}, Clamps.none())[0];
                assertTrue(HfFixture.relativeError(actual, logits) < 1e-4, at + ": logits off by "
                        + HfFixture.relativeError(actual, logits));

                float[] clampedLogits = last(fixture.clampedLogits(0, p));
                float[] steered = pass.nextTokenLogits(new int[][] {prompt},
                        Clamps.of(ClampScope.ALL, new Clamp(clamped, clamp.value())))[0];
                assertTrue(HfFixture.relativeError(steered, clampedLogits) < 1e-4, at + ": clamped logits off by "
                        + HfFixture.relativeError(steered, clampedLogits));
                double[] probs = HfFixture.probabilities(clampedLogits);
                int target = argMax(probs);
                NextTokenStats swept = sweeper.sweep(prompt, List.of(clamped), new double[] {clamp.value()}, target,
                        ClampScope.ALL).get(0).points().get(0).stats();
                assertEquals(probs[target], swept.targetProb(), 1e-4, at + ": swept probability");
                assertEquals(target, swept.top1Id(), at + ": swept top token");

                int[] greedy = fixture.greedy(p);
                int[] tokens = generator.generate(prompt, Clamps.none(),
                        new GenerationOptions(1, greedy.length, 0, 1, 0)).get(0).tokens();
                assertArrayEquals(greedy, tokens, at + ": greedy continuation");
            }
            checkActivations(fixture, model);
        }
    }

    @ParameterizedTest
    @MethodSource("dense")
    void readsTransformers4Configs(String family) throws IOException {
        HfFixture fixture = HfFixture.load(family);
        Path dir = fixture.modelDir(HfFixture.Spelling.TRANSFORMERS_4, scratch);
        try (DecoderModel model = DecoderModel.load(dir, Device.cpu(), Precision.FP32)) {
            ForwardPass pass = new ForwardPass(model);
            for (int p = 0; p < fixture.promptCount(); p++) {
                float[] logits = last(fixture.logits(p));
                float[] actual = pass.nextTokenLogits(new int[][] {fixture.prompt(p)}, Clamps.none())[0];
                assertTrue(HfFixture.relativeError(actual, logits) < 1e-4, family + " (transformers 4 config), prompt "
                        + p + ": logits off by " + HfFixture.relativeError(actual, logits));
            }
        }
    }

    private static void checkActivations(HfFixture fixture, DecoderModel model) {
        ActivationCapture capture = new ActivationCapture(model);
        List<HfFixture.Site> sites = fixture.sites();
        for (int s = 0; s < sites.size(); s++) {
            HfFixture.Site site = sites.get(s);
            for (int p = 0; p < fixture.promptCount(); p++) {
                float[][] reference = fixture.activations(s, p); // (positions, neurons)
                int positions = reference.length;
                float[][] captured = new float[1][];
                capture.capture(new int[][] {fixture.prompt(p)}, new int[] {site.layer()},
                        (l, a) -> captured[0] = a.clone());
                for (int n = 0; n < site.neurons().length; n++) {
                    for (int pos = 0; pos < positions; pos++) {
                        float want = reference[pos][n];
                        float got = captured[0][site.neurons()[n] * positions + pos];
                        assertEquals(want, got, 1e-5 * Math.max(1, Math.abs(want)), fixture.name() + ", layer "
                                + site.layer() + ", neuron " + site.neurons()[n] + ", prompt " + p + ", position "
                                + pos);
                    }
                }
            }
        }
    }

    /** The logits after the whole prompt: the last row of (positions, vocab). */
    private static float[] last(float[][] rows) {
        return rows[rows.length - 1];
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
