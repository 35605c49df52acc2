package io.neuronatlas.compute.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.RopeScaling;
import io.neuronatlas.checkpoint.safetensors.DType;
import io.neuronatlas.checkpoint.synthetic.SyntheticDecoder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The DJL forward pass against {@link ReferenceDecoder}, a float64 loop implementation, on checkpoints that exercise
 * each part of the Llama family. Logits must agree within 1e-4 relative: max |djl − ref| over the vocabulary divided
 * by max |ref|.
 */
@ExtendWith(OneTorchThread.class)
class ForwardPassReferenceTest {
    private static final double TOLERANCE = 1e-4;

    @TempDir
    Path dir;

    static Stream<Arguments> checkpoints() {
        return Stream.of(
                Arguments.of("llama, GQA 4/2, F32, untied", Models.llama()),
                Arguments.of("llama, explicit head_dim 24, llama3 rope, BF16, tied", Models.llama().headDim(24)
                        .rope(500, Models.shortContextLlama3()).dtype(DType.BF16).tied(true)),
                Arguments.of("llama, linear rope x4, MQA 4/1, F16, untied", Models.llama().heads(4, 1)
                        .rope(500, RopeScaling.linear(4)).dtype(DType.F16)),
                Arguments.of("llama, attention_bias on q/k/v/o, BF16", Models.llama().attentionBias(true)
                        .dtype(DType.BF16)),
                Arguments.of("qwen2, q/k/v biases, GQA 8/2, BF16, tied", Models.llama().modelType("qwen2")
                        .heads(8, 2).rope(1000000, RopeScaling.NONE).dtype(DType.BF16).tied(true)),
                Arguments.of("mistral, MHA 4/4, F32", Models.llama().modelType("mistral").heads(4, 4)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checkpoints")
    void logitsMatchTheFloat64Reference(String name, SyntheticDecoder writer) throws Exception {
        SyntheticDecoder.Written w = writer.write(dir);
        ReferenceDecoder reference = new ReferenceDecoder(dir);
        int[][] prompts = Models.randomPrompts(2, 12, w.config().model().vocab(), 3);
        try (DecoderModel model = Models.load(dir)) {
            ForwardPass pass = new ForwardPass(model);
            float[][] logits = pass.nextTokenLogits(prompts, Clamps.none());
            for (int b = 0; b < prompts.length; b++) {
                double[] expected = reference.logits(prompts[b], Map.of(), false);
                double error = Models.relativeError(logits[b], expected);
                assertTrue(error < TOLERANCE, name + ", prompt " + b + ": relative error " + error);
            }
            // Clamped at every position and at the last only, two neurons of two layers.
            NeuronRef a = new NeuronRef(0, 5);
            NeuronRef c = new NeuronRef(1, 17);
            for (ClampScope scope : ClampScope.values()) {
                float[][] clamped = pass.nextTokenLogits(prompts, Clamps.of(scope, new Clamp(a, 6.5),
                        new Clamp(c, -4.0)));
                double[] expected = reference.logits(prompts[0], Map.of(0, Map.of(5, 6.5), 1, Map.of(17, -4.0)),
                        scope == ClampScope.LAST);
                double error = Models.relativeError(clamped[0], expected);
                assertTrue(error < TOLERANCE, name + ", clamped " + scope + ": relative error " + error);
            }
        }
    }

    /** The rope scaling test above is only worth something if scaling changes the logits by far more than 1e-4. */
    @Test
    void ropeScalingChangesTheseLogitsWellBeyondTheTolerance() throws Exception {
        Path scaled = dir.resolve("scaled");
        Path plain = dir.resolve("plain");
        Models.llama().rope(500, Models.shortContextLlama3()).write(scaled);
        Models.llama().rope(500, RopeScaling.NONE).write(plain);
        int[] prompt = Models.randomPrompts(1, 12, 300, 3)[0];
        double[] unscaled = new ReferenceDecoder(plain).logits(prompt, Map.of(), false);
        try (DecoderModel model = Models.load(scaled)) {
            float[] logits = new ForwardPass(model).nextTokenLogits(new int[][] {prompt}, Clamps.none())[0];
            assertTrue(Models.relativeError(logits, unscaled) > 100 * TOLERANCE,
                    "llama3 scaling should move these logits: " + Models.relativeError(logits, unscaled));
        }
    }

    /** Llama-3.1's published rope_scaling, against the reference formula in double. */
    @Test
    void llama31InverseFrequencies() throws Exception {
        RopeScaling llama31 = RopeScaling.llama3(8, 1, 4, 8192);
        float[] inv = Rotary.inverseFrequencies(128, 500000, llama31);
        com.fasterxml.jackson.databind.JsonNode config = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                "{\"rope_theta\": 500000, \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, "
                        + "\"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, "
                        + "\"original_max_position_embeddings\": 8192}}");
        double[] expected = ReferenceDecoder.inverseFrequencies(config, 128);
        assertEquals(64, inv.length);
        for (int i = 0; i < inv.length; i++) {
            assertEquals(expected[i], inv[i], 2e-6 * expected[i], "inv_freq[" + i + "]");
        }
        // The three bands: high frequencies kept, low ones divided by 8, the middle blended.
        assertEquals(1.0, inv[0], 1e-7);
        assertEquals(1.0 / Math.pow(500000, 126.0 / 128) / 8, inv[63], 1e-6 * inv[63]);
        List<Integer> blended = new java.util.ArrayList<>();
        for (int i = 0; i < 64; i++) {
            double raw = 1.0 / Math.pow(500000, 2.0 * i / 128);
            if (Math.abs(inv[i] - raw) > 1e-6 * raw && Math.abs(inv[i] - raw / 8) > 1e-6 * raw) {
                blended.add(i);
            }
        }
        assertTrue(!blended.isEmpty() && blended.size() < 20, "blended band: " + blended);
    }
}
