package io.neuronatlas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.MlpBlock;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.NeuronSource;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.checkpoint.synthetic.SyntheticFamily;
import io.neuronatlas.testing.Cli;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** inspect on every family prints where each matrix's neurons are, the experts, and how many neurons it has. */
class ArchitectureInspectTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(SyntheticFamily.class)
    void inspectPrintsShapesLayoutsAndNeuronCounts(SyntheticFamily family) throws IOException {
        SyntheticCheckpoint writer = new SyntheticCheckpoint().family(family).layers(2).dModel(32).dMlp(24).experts(3)
                .expertDMlp(16).sharedExpertDMlp(20).vocab(300).seed(1);
        if (family == SyntheticFamily.QWEN2_MOE) {
            writer.denseLayers(0);
        }
        SyntheticCheckpoint.Written model = writer.write(dir.resolve(family.name().toLowerCase(Locale.ROOT)));
        Cli.Result result = Cli.run("inspect", "--model", model.dir().toString(), "--gflops", "100");
        assertEquals(0, result.code(), result.err());
        String out = result.out();

        assertTrue(out.contains("architecture " + family.modelType() + " ("), out);
        assertTrue(out.contains("shapes       layers=2 d_model=32 d_mlp=24 vocab=300"), out);
        // Layer 0's first MLP, matrix by matrix, as the writer laid it out.
        MlpBlock first = model.blocks(0).get(0);
        for (MlpMatrix m : family.matrices()) {
            NeuronSource at = model.placement(m, 0, first.expert());
            String layout = at.tensor() + " " + Arrays.toString(at.shape()) + (at.slab() < 0 ? "" : " slab "
                    + at.slab()) + ", neurons are " + (at.neuronIsRow() ? "rows" : "columns");
            assertTrue(out.contains(String.format("%-5s %s", m.label(), layout)), m + " line for " + layout + " in\n"
                    + out);
        }
        for (MlpMatrix missing : MlpMatrix.values()) {
            if (!family.matrices().contains(missing)) {
                assertFalse(out.contains(" " + missing.label() + "  "), "no " + missing + " line in\n" + out);
            }
        }
        int perLayerLast = model.blocks(1).stream().mapToInt(MlpBlock::width).sum();
        int perMatrix = perLayerLast + model.blocks(0).stream().mapToInt(MlpBlock::width).sum();
        int matrices = family.matrices().size();
        String expected = String.format(Locale.ROOT, "neurons      %,d per matrix and layer%s, %,d per matrix, %,d in "
                + "%d matrices", perLayerLast, family.mixtureOfExperts() ? " (all experts)" : "", perMatrix,
                perMatrix * matrices, matrices);
        assertTrue(out.contains(expected), expected + " in\n" + out);
        assertTrue(out.contains(String.format(Locale.ROOT, "plan         %s, 2 layer(s): %,d neurons",
                family.matrices(), perMatrix * matrices)), out);
        switch (family) {
            case MIXTRAL, GPT_OSS -> assertTrue(out.contains("experts      3 per sparse layer of 24 neurons\n"), out);
            case QWEN3_MOE -> assertTrue(out.contains("experts      3 per sparse layer of 16 neurons\n"), out);
            case QWEN2_MOE -> assertTrue(out.contains("experts      3 per sparse layer of 16 neurons, and a shared "
                    + "expert of 20; dense layers [0] of 24"), out);
            default -> assertFalse(out.contains("experts "), out);
        }
        assertTrue(out.contains("lm head      " + model.headTensor() + (family.tied() ? " (tied to the embedding)"
                : "")), out);
        String norm = family.layerNorm() ? "(LayerNorm, x·w + b); --fold-norm adds U·b to every score"
                : family.onePlusNorm() ? "(RMSNorm, x·(1 + w))" : "(RMSNorm, x·w)";
        assertTrue(out.contains("final norm   " + family.finalNorm()), out);
        assertTrue(out.contains(norm), norm + " in\n" + out);
        assertEquals(family == SyntheticFamily.GEMMA2, out.contains("final_logit_softcapping 30"), out);
    }
}
