package io.neuronatlas.compute.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.ForwardConfig;
import io.neuronatlas.testing.HfFixture;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The FP16 path (weights and activations in half precision, norms and softmax in float32), run on the CPU because
 * this machine has no GPU; {@link DecoderModel#load} allows FP16 only on GPUs. Tolerance 1e-2 relative (as in
 * {@link ForwardPassReferenceTest}): half precision keeps 11 significant bits.
 */
@ExtendWith(OneTorchThread.class)
class HalfPrecisionTest {
    @TempDir
    Path dir;

    @Test
    void halfPrecisionLogitsFollowTheReference() throws Exception {
        Models.llama().modelType("qwen2").tied(true).write(dir);
        ReferenceDecoder reference = new ReferenceDecoder(dir);
        int[][] prompts = Models.randomPrompts(2, 9, 300, 5);
        try (Checkpoint checkpoint = Checkpoint.open(dir);
             DecoderModel half = DecoderModel.upload(checkpoint, ForwardConfig.read(dir.resolve("config.json")),
                     Device.cpu(), Precision.FP16);
             DecoderModel full = Models.load(dir)) {
            assertEquals(full.residentBytes() / 2, half.residentBytes());
            float[][] logits = new ForwardPass(half).nextTokenLogits(prompts, Clamps.none());
            for (int b = 0; b < prompts.length; b++) {
                double error = Models.relativeError(logits[b], reference.logits(prompts[b], Map.of(), false));
                assertTrue(error < 1e-2 && error > 0, "relative error " + error);
            }
            NeuronRef neuron = new NeuronRef(1, 20);
            double[] values = {-8, 0, 8};
            ClampSweep sweep = new ClampSweeper(half).sweep(prompts[0], List.of(neuron), values, 7,
                    ClampScope.ALL).get(0);
            for (SweepPoint p : sweep.points()) {
                double[] expected = reference.logits(prompts[0], Map.of(1, Map.of(20, p.value())), false);
                assertEquals(expected[7], p.stats().targetLogit(), 2e-2 * Math.max(1, Math.abs(expected[7])));
            }
            List<Generation> g = new Generator(half).generate(prompts[0], Clamps.none(),
                    new GenerationOptions(1, 4, 0, 1, 1));
            assertEquals(4, g.get(0).tokens().length);
        }
    }

    /**
     * The families' own operations in half precision (Gemma's (1 + w) norms and √d embedding scale, soft-capping,
     * per-head q/k norms, LayerNorm with bias, parallel residual, partial rotary, fused projections cut apart; gpt-oss's
     * sinks, experts' biases and clamped SwiGLU): transformers' fp32 logits within 1e-2 relative, for a plain pass and
     * a clamped sweep.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gemma2", "gemma3", "gpt_neox", "gpt_oss"})
    void familiesInHalfPrecision(String family) throws Exception {
        HfFixture fixture = HfFixture.load(family);
        Path model = fixture.modelDir();
        int[] prompt = fixture.prompt(1);
        try (Checkpoint checkpoint = Checkpoint.open(model);
             DecoderModel half = DecoderModel.upload(checkpoint, ForwardConfig.read(model.resolve("config.json")),
                     Device.cpu(), Precision.FP16)) {
            float[][] expected = fixture.logits(1);
            float[] logits = new ForwardPass(half).nextTokenLogits(new int[][] {prompt}, Clamps.none())[0];
            double error = HfFixture.relativeError(logits, expected[expected.length - 1]);
            assertTrue(error < 1e-2 && error > 0, family + ": relative error " + error);
            HfFixture.Clamp c = fixture.clamp();
            float[][] clamped = fixture.clampedLogits(0, 1);
            int target = 7;
            NeuronRef neuron = new NeuronRef(c.layer(), c.expert(), c.neuron());
            ClampSweep sweep = new ClampSweeper(half).sweep(prompt, List.of(neuron), new double[] {c.value()}, target,
                    ClampScope.ALL).get(0);
            float want = clamped[clamped.length - 1][target];
            assertEquals(want, sweep.points().get(0).stats().targetLogit(), 2e-2 * Math.max(1, Math.abs(want)),
                    family + ": clamped logit");
        }
    }
}
