package io.neuronatlas.compute.forward;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.neuronatlas.checkpoint.CheckpointException;
import io.neuronatlas.testing.CheckpointSurgery;
import io.neuronatlas.testing.CheckpointSurgery.Stored;
import io.neuronatlas.testing.HfFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gpt-oss as published, its experts in MXFP4 (4-bit blocks and U8 scales instead of gate_up_proj and down_proj), is
 * refused by the forward pass's own load path before any weight is uploaded, naming the file and tensor. (Its forward
 * pass against transformers is in {@link HfLlamaFamilyTest}.)
 */
class GptOssForwardTest {
    @TempDir
    Path dir;

    @Test
    void mxfp4ExpertsAreRefusedBeforeLoading() throws Exception {
        Path source = HfFixture.load("gpt_oss").modelDir();
        for (String file : new String[] {"config.json", "model.safetensors", "tokenizer.json"}) {
            Files.copy(source.resolve(file), dir.resolve(file));
        }
        CheckpointSurgery.rewrite(dir, t -> {
            for (int layer = 0; layer < 2; layer++) {
                String experts = "model.layers." + layer + ".mlp.experts.";
                t.remove(experts + "gate_up_proj");
                t.remove(experts + "down_proj");
                // 4 experts; 4-bit values packed two a byte in blocks of 32, one U8 exponent a block
                t.put(experts + "gate_up_proj_blocks", Stored.zeros("U8", 1, 4, 48, 1, 16));
                t.put(experts + "gate_up_proj_scales", Stored.zeros("U8", 1, 4, 48, 1));
                t.put(experts + "down_proj_blocks", Stored.zeros("U8", 1, 4, 32, 1, 12));
                t.put(experts + "down_proj_scales", Stored.zeros("U8", 1, 4, 32, 1));
            }
        });
        String message = assertThrows(CheckpointException.class,
                () -> DecoderModel.load(dir, Device.cpu(), Precision.FP32)).getMessage();
        for (String part : new String[] {dir.resolve("model.safetensors").toString(), "MXFP4",
                "'model.layers.0.mlp.experts.gate_up_proj_blocks'", "U8", "dequantize"}) {
            assertTrue(message.contains(part), "'" + part + "' missing from: " + message);
        }
    }
}
