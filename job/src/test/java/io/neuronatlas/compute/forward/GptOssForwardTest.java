package io.neuronatlas.compute.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.neuronatlas.checkpoint.CheckpointException;
import io.neuronatlas.testing.CheckpointSurgery;
import io.neuronatlas.testing.HfFixture;
import io.neuronatlas.testing.NativeResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * gpt-oss beyond what {@link HfLlamaFamilyTest} checks against transformers: as published, its experts in MXFP4
 * (4-bit blocks and U8 scales instead of gate_up_proj and down_proj), it is refused by the forward pass's own load
 * path before any weight is uploaded, naming the file and tensor; passes, sweeps and generations of an expert's neuron
 * leave nothing in the model's manager (the experts' matrices and biases are cut out of stacked tensors at load).
 */
@ExtendWith(OneTorchThread.class)
class GptOssForwardTest {
    @TempDir
    Path dir;

    @Test
    void repeatedCallsLeaveTheModelManagerAsLoaded() throws Exception {
        HfFixture fixture = HfFixture.load("gpt_oss");
        try (DecoderModel model = DecoderModel.load(fixture.modelDir(), Device.cpu(), Precision.FP32)) {
            int loaded = NativeResources.count(model.manager());
            NeuronRef neuron = new NeuronRef(0, "2", 3);
            int[] prompt = fixture.prompt(2);
            for (int round = 0; round < 3; round++) {
                new ClampSweeper(model).sweep(prompt, List.of(neuron), new double[] {-4, 4}, 17, ClampScope.ALL);
                new ForwardPass(model).nextToken(prompt, Clamps.of(ClampScope.LAST, new Clamp(neuron, 2)), 17);
                new Generator(model).generate(prompt, Clamps.of(ClampScope.ALL, new Clamp(neuron, 2)),
                        new GenerationOptions(2, 5, 0.8, 0.9, round));
                assertEquals(loaded, NativeResources.count(model.manager()), "round " + round);
            }
        }
    }

    @Test
    void mxfp4ExpertsAreRefusedBeforeLoading() throws Exception {
        Path source = HfFixture.load("gpt_oss").modelDir();
        for (String file : new String[] {"config.json", "model.safetensors", "tokenizer.json"}) {
            Files.copy(source.resolve(file), dir.resolve(file));
        }
        CheckpointSurgery.expertsToMxfp4(dir, 2, 4, 32, 24);
        String message = assertThrows(CheckpointException.class,
                () -> DecoderModel.load(dir, Device.cpu(), Precision.FP32)).getMessage();
        for (String part : new String[] {dir.resolve("model.safetensors").toString(), "MXFP4",
                "'model.layers.0.mlp.experts.gate_up_proj_blocks'", "U8", "dequantize"}) {
            assertTrue(message.contains(part), "'" + part + "' missing from: " + message);
        }
    }
}
