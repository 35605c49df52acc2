package io.neuronatlas.compute.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.neuronatlas.checkpoint.ForwardConfig;
import io.neuronatlas.checkpoint.RopeScaling;
import io.neuronatlas.testing.HfFixture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The forward pass against transformers itself on every dense family's fixture (every rope type on Llama, Mistral,
 * Qwen2), config.json as transformers 5 and as transformers 4 write it:
 * <ul>
 *   <li>logits within 1e-4 relative (max |djl − hf| over the vocabulary / max |hf|) at every position (a prefix's
 *   last position; for dynamic and longrope, whose frequencies depend on the length a call covers, the prompt's
 *   last position only);</li>
 *   <li>with the fixture's neuron clamped at every position (ForwardPass and ClampSweeper), probabilities within
 *   1e-4;</li>
 *   <li>greedy continuations (Generator, KV cache) identical;</li>
 *   <li>MLP activations (ActivationCapture) within 1e-5 of max(1, |activation|).</li>
 * </ul>
 * Issue 22B added every dense family (Qwen3, OLMo-2, Gemma 1/2/3 with the multimodal checkpoint's language model,
 * Phi-3, GPT-2, GPT-NeoX) to the list, and sliding windows: Mistral's 12-token window and Gemma's sliding layers
 * see the 20-token prompt as transformers does; llama-dynamic's 20-token prompt is longer than its
 * max_position_embeddings of 16 and refused (dynamic NTK would stretch the context; the forward pass refuses every
 * rope type past it), its other prompts match. The mixtures (Mixtral, Qwen2-MoE with its shared expert, Qwen3-MoE
 * with dense and sparse layers, gpt-oss with attention sinks, biases, its clamped SwiGLU, alternating sliding layers
 * and yarn) run every clamp their fixture has: a dense layer's neuron, a routed expert's, the shared expert's
 * (transformers set it in the input of the expert's own down projection, at the tokens routed to it); activations
 * are checked on every MLP, an expert's at the tokens routed to it and absent elsewhere.
 */
@ExtendWith(OneTorchThread.class)
class HfLlamaFamilyTest {
    private static final double LOGITS = 1e-4;
    private static final double PROBABILITIES = 1e-4;
    private static final double ACTIVATIONS = 1e-5;

    @TempDir
    static Path scratch;

    static Stream<Arguments> fixtures() {
        List<Arguments> cases = new ArrayList<>();
        for (String name : List.of("llama", "llama-linear", "llama-dynamic", "llama-yarn", "llama-longrope",
                "llama-llama3", "mistral", "qwen2", "qwen3", "olmo2", "gemma", "gemma2", "gemma3_text", "gemma3",
                "phi3", "gpt2", "gpt_neox", "mixtral", "qwen2_moe", "qwen3_moe", "gpt_oss")) {
            for (HfFixture.Spelling spelling : HfFixture.Spelling.values()) {
                cases.add(Arguments.of(name + ", " + spelling, HfFixture.load(name), spelling));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void matchesTransformers(String label, HfFixture fixture, HfFixture.Spelling spelling) throws Exception {
        try (DecoderModel model = DecoderModel.load(fixture.modelDir(spelling, scratch), Device.cpu(),
                Precision.FP32)) {
            ForwardConfig config = model.config();
            ForwardPass pass = new ForwardPass(model);
            List<HfFixture.Clamp> fixtureClamps = fixture.clamps();
            boolean lengthDependent = config.ropeScaling() instanceof RopeScaling.Dynamic
                    || config.ropeScaling() instanceof RopeScaling.LongRope;
            // transformers 4's spelling differs in config.json only: the last position's logits show it is read
            // alike; the rest is checked once, on transformers 5's. Every position of the longest prompt (past the
            // sliding windows), the last of the others, to keep the test's time small.
            boolean whole = spelling == HfFixture.Spelling.TRANSFORMERS_5;
            int longest = fixture.promptCount() - 1;
            for (int p = 0; p < fixture.promptCount(); p++) {
                int[] prompt = fixture.prompt(p);
                if (prompt.length > config.maxPositions()) {
                    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                            () -> pass.nextTokenLogits(new int[][] {prompt}, Clamps.none()));
                    assertTrue(refused.getMessage().contains("max_position_embeddings=" + config.maxPositions()),
                            refused.getMessage());
                    continue;
                }
                float[][] expected = fixture.logits(p);
                boolean everyPosition = whole && !lengthDependent && p == longest;
                for (int t = everyPosition ? 0 : prompt.length - 1; t < prompt.length; t++) {
                    int[][] prefix = {Arrays.copyOf(prompt, t + 1)};
                    String where = label + ", prompt " + p + ", position " + t;
                    double error = HfFixture.relativeError(pass.nextTokenLogits(prefix, Clamps.none())[0],
                            expected[t]);
                    assertTrue(error < LOGITS, where + ": logits off by " + error + " relative");
                    for (int ci = 0; ci < fixtureClamps.size(); ci++) {
                        HfFixture.Clamp c = fixtureClamps.get(ci);
                        Clamps clamps = Clamps.of(ClampScope.ALL, new Clamp(neuron(c), c.value()));
                        double clampError = maxDifference(HfFixture.probabilities(pass.nextTokenLogits(prefix,
                                clamps)[0]), HfFixture.probabilities(fixture.clampedLogits(ci, p)[t]));
                        assertTrue(clampError < PROBABILITIES, where + ", " + c.label() + "=" + c.value()
                                + ": probabilities off by " + clampError);
                    }
                }
                if (!whole) {
                    continue;
                }
                for (int ci = 0; ci < fixtureClamps.size(); ci++) {
                    sweep(label + ", prompt " + p, model, prompt, fixtureClamps.get(ci),
                            expected[prompt.length - 1], fixture.clampedLogits(ci, p)[prompt.length - 1]);
                }
                activations(label + ", prompt " + p, model, fixture, p);
                greedy(label + ", prompt " + p, model, fixture, p);
            }
        }
    }

    /** ClampSweeper's one-value sweep: the target's probability, clamped and not, as transformers has it. */
    private static void sweep(String label, DecoderModel model, int[] prompt, HfFixture.Clamp c, float[] plain,
                              float[] clamped) {
        double[] expected = HfFixture.probabilities(clamped);
        int target = argmax(expected);
        ClampSweep sweep = new ClampSweeper(model).sweep(prompt, List.of(neuron(c)),
                new double[] {c.value()}, target, ClampScope.ALL).get(0);
        assertEquals(expected[target], sweep.points().get(0).stats().targetProb(), PROBABILITIES,
                label + ": swept probability of token " + target);
        assertEquals(HfFixture.probabilities(plain)[target], sweep.baseline().targetProb(), PROBABILITIES,
                label + ": baseline probability of token " + target);
    }

    /**
     * The fixture's neurons of every MLP at every position its token passes through: a dense layer's everywhere; an
     * expert's at the tokens the router sends to it (transformers' own top-k, recorded in the input of the expert's
     * down projection), and nothing elsewhere: not routed, NaN. An expert no token of the prompt reaches is not
     * handed over at all.
     */
    private static void activations(String label, DecoderModel model, HfFixture fixture, int p) {
        int[] prompt = fixture.prompt(p);
        List<HfFixture.Site> sites = fixture.sites();
        int[] layers = sites.stream().mapToInt(HfFixture.Site::layer).distinct().sorted().toArray();
        java.util.Map<String, float[]> captured = new java.util.HashMap<>();
        java.util.Map<String, boolean[]> routing = new java.util.HashMap<>();
        new ActivationCapture(model).capture(new int[][] {prompt}, layers, (layer, mlp, a, routed) -> {
            String key = layer + "/" + mlp.expert();
            captured.put(key, Arrays.copyOf(a, mlp.width() * prompt.length));
            routing.put(key, routed == null ? null : routed.clone());
        });
        for (int s = 0; s < sites.size(); s++) {
            HfFixture.Site site = sites.get(s);
            String key = site.layer() + "/" + site.expert();
            String where = label + ": L" + site.layer() + (site.expert() == null ? "" : ".E" + site.expert());
            float[][] expected = fixture.activations(s, p); // (positions, neurons), NaN where not routed
            float[] actual = captured.get(key);
            boolean[] routed = routing.get(key);
            boolean expert = site.expert() != null && !site.expert().equals("shared");
            for (int t = 0; t < prompt.length; t++) {
                boolean reached = !Float.isNaN(expected[t][0]);
                if (actual == null) {
                    assertTrue(expert && !reached, where + " was not captured, yet position " + t + " reaches it");
                    continue;
                }
                assertEquals(reached, routed == null || routed[t], where + ": routing of position " + t);
                for (int k = 0; k < site.neurons().length; k++) {
                    // neuron-major (width, batch 1, positions)
                    float value = actual[site.neurons()[k] * prompt.length + t];
                    if (!reached) {
                        assertTrue(Float.isNaN(value), where + "." + site.neurons()[k] + " at unrouted position "
                                + t + ": " + value + ", expected no activation (NaN)");
                        continue;
                    }
                    double bound = ACTIVATIONS * Math.max(1, Math.abs(expected[t][k]));
                    assertEquals(expected[t][k], value, bound, where + "." + site.neurons()[k] + " at position " + t);
                }
            }
        }
    }

    /** Greedy tokens from the KV cache; the Generator stops at an eos id, transformers' recording does not. */
    private static void greedy(String label, DecoderModel model, HfFixture fixture, int p) {
        int[] prompt = fixture.prompt(p);
        int[] expected = fixture.greedy(p);
        ForwardConfig config = model.config();
        for (int i = 0; i < expected.length; i++) {
            if (config.eosTokenIds().contains(expected[i])) {
                expected = Arrays.copyOf(expected, i + 1);
                break;
            }
        }
        Generation g = new Generator(model).generate(prompt, Clamps.none(),
                new GenerationOptions(1, expected.length, 0, 1, 0)).get(0);
        assertArrayEquals(expected, g.tokens(), label + ": greedy continuation");
    }

    /** The fixture's clamped neuron as the atlas names it: L0.5, L1.e2.3, L0.shared.5. */
    private static NeuronRef neuron(HfFixture.Clamp c) {
        return new NeuronRef(c.layer(), c.expert(), c.neuron());
    }

    private static double maxDifference(double[] a, double[] b) {
        double most = 0;
        for (int i = 0; i < a.length; i++) {
            most = Math.max(most, Math.abs(a[i] - b[i]));
        }
        return most;
    }

    private static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
