package io.neuronatlas.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.checkpoint.synthetic.SyntheticFamily;
import io.neuronatlas.compute.projection.ReferenceProjection;
import io.neuronatlas.testing.AtlasReference;
import io.neuronatlas.testing.FamilyModels;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * --fold-norm folds each family's final norm by its own rule (RMSNorm w, Gemma's 1 + w, a LayerNorm's w with its bias
 * added to every score as U·b), and Gemma-2's softcap bends the probabilities, not the scores.
 */
class FoldRulesTest {
    @TempDir
    Path dir;

    private static String expert(SyntheticFamily family) {
        return family.mixtureOfExperts() ? "1" : null;
    }

    @ParameterizedTest
    @EnumSource(names = {"LLAMA", "GEMMA", "GEMMA3_SAVED", "GPT2", "GPT_NEOX", "QWEN3_MOE"})
    void foldNormFollowsTheFamilysNorm(SyntheticFamily family) throws IOException {
        SyntheticCheckpoint.Written model = FamilyModels.write(family, dir);
        String name = model.dir().getFileName().toString();
        Path atlas = dir.resolve("atlas");
        Maps.of(model.dir(), atlas).matrices(MlpMatrix.UP).layers("1").foldNorm(true).topK(6).run();
        try (AtlasReference folded = AtlasReference.of(model, true);
             AtlasReference raw = AtlasReference.of(model, false)) {
            int width = model.blocks(1).stream().filter(b -> Objects.equals(b.expert(), expert(family)))
                    .findFirst().orElseThrow().width();
            assertEquals(width, folded.check(atlas.toString(), name, MlpMatrix.UP, 1, expert(family), 6));
            // The fold must have changed the numbers, or this could not tell a fold from none. (A planted neuron
            // averages the norm's weights over its token's row, so look at all of them.)
            ReferenceProjection.Neuron[] unfolded = raw.projections(MlpMatrix.UP, 1, expert(family), 6, 0);
            double moved = 0;
            for (Row row : TestSpark.session().sql("SELECT neuron, max_score FROM parquet.`" + atlas + "/neurons` "
                    + "WHERE expert <=> " + FamilyModels.sql(expert(family))).collectAsList()) {
                double before = unfolded[row.getInt(0)].max;
                moved = Math.max(moved, Math.abs(row.getFloat(1) - before) / Math.abs(before));
            }
            assertTrue(moved > 1e-2, "folding moved max scores by " + moved + " at most");
            if (family.layerNorm()) {
                assertTrue(folded.largestBias() > 0.05, "the LayerNorm bias adds up to " + folded.largestBias());
            }
        }
    }

    @Test
    void gemma2SoftcapsTheProbabilitiesNotTheScores() throws IOException {
        SyntheticCheckpoint.Written model = FamilyModels.write(SyntheticFamily.GEMMA2, dir);
        assertEquals(30.0, model.config().logitSoftcap());
        Path atlas = dir.resolve("atlas");
        Maps.of(model.dir(), atlas).matrices(MlpMatrix.UP).layers("1").topK(6).run();
        Row dog = TestSpark.session().sql("SELECT score, prob, normalized_prob FROM parquet.`" + atlas
                + "/neuron_tokens` WHERE neuron = 5 AND polarity = '+' AND rank = 1").first();
        try (AtlasReference reference = AtlasReference.of(model, false)) {
            assertEquals(24, reference.check(atlas.toString(), "gemma2", MlpMatrix.UP, 1, null, 6));
            ReferenceProjection.Neuron capped = reference.projections(MlpMatrix.UP, 1, null, 6, 30)[5];
            ReferenceProjection.Neuron uncapped = reference.projections(MlpMatrix.UP, 1, null, 6, 0)[5];
            int top = capped.ids[0][0];
            float score = dog.getFloat(0);
            assertEquals(uncapped.scores[top], score, 1e-4 * Math.abs(score), "score is the dot product");
            assertTrue(score - 30 * Math.tanh(score / 30) > 0.1, "a capped score would be visibly smaller: " + score);
            assertEquals(capped.probs[0][top], dog.getFloat(1), 1e-3 * capped.probs[0][top]);
            assertTrue(Math.abs(uncapped.probs[0][top] - dog.getFloat(1)) > 0.01 * uncapped.probs[0][top],
                    "prob " + dog.getFloat(1) + " should differ from the uncapped " + uncapped.probs[0][top]);
            assertEquals(capped.normProbs[0][top], dog.getFloat(2), 1e-3 * capped.normProbs[0][top]);
        }
    }
}
