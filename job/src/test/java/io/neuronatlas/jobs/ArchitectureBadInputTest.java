package io.neuronatlas.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.checkpoint.synthetic.SyntheticFamily;
import io.neuronatlas.testing.CheckpointSurgery;
import io.neuronatlas.testing.CheckpointSurgery.Stored;
import io.neuronatlas.testing.Maps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints that are almost a family's: each fails before anything is computed, with a message naming the file,
 * tensor or option and what config.json says, and leaves the atlas empty.
 */
class ArchitectureBadInputTest {
    @TempDir
    Path dir;

    private Path model(SyntheticFamily family) throws IOException {
        return new SyntheticCheckpoint().family(family).layers(2).dModel(32).dMlp(24).experts(3).expertDMlp(16)
                .sharedExpertDMlp(20).vocab(300).seed(5).write(dir.resolve(family.name().toLowerCase(Locale.ROOT)))
                .dir();
    }

    /** Maps, expects a failure, asserts the atlas holds nothing; returns the message. */
    private String failingMap(Maps.Builder map) {
        Path atlas = dir.resolve("atlas");
        Exception e = assertThrows(Exception.class, map::run);
        if (Files.exists(atlas)) {
            try (Stream<Path> left = Files.walk(atlas)) {
                List<Path> files = left.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString()
                        .startsWith(".")).toList();
                assertEquals(List.of(), files, "files left in the atlas");
            } catch (IOException io) {
                throw new AssertionError(io);
            }
        }
        return e.getMessage();
    }

    private String failingMap(Path model) {
        return failingMap(Maps.of(model, dir.resolve("atlas")));
    }

    private static void assertMentions(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "message lacks '" + part + "': " + message);
        }
    }

    @Test
    void phi3FusedGateUpWhoseRowsAreNotTwiceIntermediateSize() throws IOException {
        Path model = model(SyntheticFamily.PHI3);
        CheckpointSurgery.rewrite(model, t -> t.put("model.layers.1.mlp.gate_up_proj.weight",
                Stored.zeros("BF16", 2, 50, 32)));
        assertMentions(failingMap(model), "model.safetensors", "'model.layers.1.mlp.gate_up_proj.weight'",
                "[50, 32]", "needs [48, 32]", "intermediate_size=24", "gate and up fused: 2·intermediate_size rows");
    }

    @Test
    void gptOssInterleavedGateUpWhoseColumnsAreNotTwiceIntermediateSize() throws IOException {
        Path model = model(SyntheticFamily.GPT_OSS);
        CheckpointSurgery.rewrite(model, t -> t.put("model.layers.0.mlp.experts.gate_up_proj",
                Stored.zeros("BF16", 2, 3, 32, 24)));
        assertMentions(failingMap(model), "'model.layers.0.mlp.experts.gate_up_proj'", "[3, 32, 24]",
                "needs [3, 32, 48]", "num_local_experts=3", "2·intermediate_size columns");
    }

    @Test
    void anExpertMissingFromOneLayer() throws IOException {
        Path mixtral = model(SyntheticFamily.MIXTRAL);
        CheckpointSurgery.rewrite(mixtral, t -> t.remove("model.layers.1.block_sparse_moe.experts.2.w3.weight"));
        assertMentions(failingMap(mixtral), "'model.layers.1.block_sparse_moe.experts.2.w3.weight'",
                "layer 1, expert 2", "is missing", "num_local_experts=3");

        Path qwen = model(SyntheticFamily.QWEN2_MOE);
        CheckpointSurgery.rewrite(qwen, t -> t.remove("model.layers.0.mlp.shared_expert.down_proj.weight"));
        assertMentions(failingMap(Maps.of(qwen, dir.resolve("atlas"))),
                "'model.layers.0.mlp.shared_expert.down_proj.weight'", "layer 0, the shared expert",
                "shared_expert_intermediate_size=20");
    }

    @Test
    void moreExpertsThanConfigCounts() throws IOException {
        Path model = model(SyntheticFamily.QWEN3_MOE);
        CheckpointSurgery.editConfig(model, c -> c.put("num_experts", 2));
        assertMentions(failingMap(model), "'model.layers.0.mlp.experts.2.up_proj.weight' exists",
                "num_experts=2", "counts 2 experts");
    }

    @Test
    void aMultimodalGemma3WithoutATextModel() throws IOException {
        Path noTextConfig = model(SyntheticFamily.GEMMA3);
        CheckpointSurgery.editConfig(noTextConfig, c -> c.remove("text_config"));
        assertMentions(failingMap(noTextConfig), "config.json", "'text_config' is missing",
                "multimodal Gemma-3", "no text model to map");

        Path visionOnly = model(SyntheticFamily.GEMMA3_SAVED);
        CheckpointSurgery.rewrite(visionOnly, t -> t.keySet().removeIf(name -> name.contains("language_model")));
        assertMentions(failingMap(Maps.of(visionOnly, dir.resolve("atlas"))), "without a text model",
                "language_model.model.embed_tokens.weight", "model.language_model.embed_tokens.weight");
    }

    @Test
    void gateAskedOfAnMlpThatIsNotGated() throws IOException {
        for (SyntheticFamily family : List.of(SyntheticFamily.GPT2, SyntheticFamily.GPT_NEOX)) {
            Path model = model(family);
            assertMentions(failingMap(Maps.of(model, dir.resolve("atlas")).matrices(MlpMatrix.GATE)),
                    "--matrices gate", family.modelType() + " has no gate matrix", "not gated", "[up, down]");
            assertFalse(Files.exists(dir.resolve("atlas").resolve("neurons")));
        }
    }

    @Test
    void gptOssExpertsStillInMxfp4() throws IOException {
        Path model = model(SyntheticFamily.GPT_OSS);
        CheckpointSurgery.expertsToMxfp4(model, 2, 3, 32, 24);
        assertMentions(failingMap(model), "MXFP4", "'model.layers.0.mlp.experts.gate_up_proj_blocks'", "U8",
                "dequantize");
    }

    @Test
    void anUnsupportedModelTypeListsTheSupportedOnes() throws IOException {
        Path model = model(SyntheticFamily.LLAMA);
        CheckpointSurgery.editConfig(model, c -> c.put("model_type", "deepseek_v3"));
        assertMentions(failingMap(model), "config.json", "model_type 'deepseek_v3' is not supported",
                "gemma3", "gpt2", "gpt_neox", "gpt_oss", "mixtral", "olmo2", "phi3", "qwen2_moe", "qwen3_moe");
    }
}
