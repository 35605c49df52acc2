package io.neuronatlas.jobs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static io.neuronatlas.testing.Messages.assertMentions;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.neuronatlas.checkpoint.safetensors.DType;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.WeightEdits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NaN and ±Inf weights are refused in every tensor the map reads, in each stored dtype, naming the tensor and the
 * first bad row, before any task runs and before anything is written.
 */
class NonFiniteWeightsTest {
    @TempDir
    Path dir;

    private Path model(DType dtype) throws IOException {
        return new SyntheticCheckpoint().layers(2).dModel(32).dMlp(48).vocab(300).seed(6).dtype(dtype)
                .plantDogAndCalifornia().write(dir.resolve("m-" + dtype)).dir();
    }

    private String refused(Path model) {
        Path atlas = dir.resolve("atlas");
        Exception e = assertThrows(Exception.class, () -> Maps.of(model, atlas).run());
        for (String table : new String[] {"neuron_tokens", "neurons", "tokens", "runs", "checkpoints"}) {
            assertFalse(Files.exists(atlas.resolve(table)), table + " written for a refused checkpoint");
        }
        return e.getMessage();
    }


    @Test
    void aNanInTheLmHeadRowOfATokenIsRefused() throws IOException {
        // Row 96 is " dog" in the synthetic vocabulary: a NaN there ranked " dog" first for every neuron.
        Path model = model(DType.BF16);
        WeightEdits.set(model.resolve("model.safetensors"), "lm_head.weight", 96, 3, Float.NaN);
        assertMentions(refused(model), "model.safetensors", "tensor 'lm_head.weight' (BF16 [300, 32])",
                "row 96, column 3 is NaN", "finite weights only");
    }

    @Test
    void infinitiesAreRefusedInF32AndF16MatricesAndNorms() throws IOException {
        Path f32 = model(DType.F32);
        WeightEdits.set(f32.resolve("model.safetensors"), "model.layers.1.mlp.up_proj.weight", 5, 31,
                Float.POSITIVE_INFINITY);
        assertMentions(refused(f32), "tensor 'model.layers.1.mlp.up_proj.weight' (F32 [48, 32])",
                "row 5, column 31 is +Inf");

        Path f16 = model(DType.F16);
        // down_proj is [d_model, d_mlp]: neuron 7 is column 7.
        WeightEdits.set(f16.resolve("model.safetensors"), "model.layers.0.mlp.down_proj.weight", 2, 7,
                Float.NEGATIVE_INFINITY);
        assertMentions(refused(f16), "tensor 'model.layers.0.mlp.down_proj.weight' (F16 [32, 48])",
                "row 2, column 7 is -Inf");

        Path norm = model(DType.BF16);
        WeightEdits.set(norm.resolve("model.safetensors"), "model.norm.weight", 4, 0, Float.NaN);
        assertMentions(refused(norm), "tensor 'model.norm.weight' (BF16 [32])", "element 4 is NaN");
    }

    @Test
    void aValueThatOverflowsF16IsRefusedWhereItWasWritten() throws IOException {
        // 1e5 does not fit float16: stored, it is +Inf, and the check sees the stored bits, not the intent.
        Path f16 = model(DType.F16);
        WeightEdits.set(f16.resolve("model.safetensors"), "model.layers.0.mlp.gate_proj.weight", 47, 0, 1e5f);
        assertMentions(refused(f16), "model.layers.0.mlp.gate_proj.weight", "row 47, column 0 is +Inf");
    }
}
