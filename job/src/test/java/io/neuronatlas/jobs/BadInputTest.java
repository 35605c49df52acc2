package io.neuronatlas.jobs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.testing.CheckpointSurgery;
import io.neuronatlas.testing.Maps;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each bad model folder fails with a message naming what is wrong, and leaves no output behind. */
class BadInputTest {
    @TempDir
    Path dir;

    private Path model() throws IOException {
        return new SyntheticCheckpoint().layers(2).dModel(32).dMlp(48).vocab(300).seed(3).write(dir.resolve("model"))
                .dir();
    }

    /** Runs the map, expects it to fail, returns the message; asserts the atlas holds nothing. */
    private String failingMap(Path model, Maps.Builder... custom) {
        Path atlas = dir.resolve("atlas");
        Maps.Builder map = custom.length > 0 ? custom[0] : Maps.of(model, atlas);
        Exception e = assertThrows(Exception.class, map::run);
        assertFalse(Files.exists(atlas.resolve("neuron_tokens")), "partial neuron_tokens written");
        assertFalse(Files.exists(atlas.resolve("neurons")), "partial neurons written");
        assertFalse(Files.exists(atlas.resolve("runs")), "run record written");
        assertFalse(Files.exists(atlas.resolve("checkpoints").resolve("model.json")), "checkpoint published");
        return e.getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "message lacks '" + part + "': " + message);
        }
    }

    @Test
    void hiddenSizeDisagreeingWithTensors() throws IOException {
        Path model = model();
        CheckpointSurgery.editConfig(model, c -> c.put("hidden_size", 40));
        assertMentions(failingMap(model), "model.safetensors", "lm_head.weight", "[300, 32]", "[300, 40]");
    }

    @Test
    void vocabDisagreeingWithTheHead() throws IOException {
        Path model = model();
        CheckpointSurgery.editConfig(model, c -> c.put("vocab_size", 512));
        assertMentions(failingMap(model), "lm_head.weight", "[300, 32]", "vocab_size=512");
    }

    @Test
    void configWithMoreLayersThanTheWeights() throws IOException {
        Path model = model();
        CheckpointSurgery.editConfig(model, c -> c.put("num_hidden_layers", 3));
        assertMentions(failingMap(model), "model.layers.2.mlp.gate_proj.weight", "missing");
    }

    @Test
    void configWithFewerLayersThanTheWeights() throws IOException {
        Path model = model();
        CheckpointSurgery.editConfig(model, c -> c.put("num_hidden_layers", 1));
        assertMentions(failingMap(model), "model.layers.1.mlp.up_proj.weight", "num_hidden_layers=1");
    }

    @Test
    void unsupportedArchitecture() throws IOException {
        Path model = model();
        CheckpointSurgery.editConfig(model, c -> c.put("model_type", "falcon"));
        assertMentions(failingMap(model), "config.json", "'falcon'", "not supported",
                "gemma, gemma2, gemma3, gemma3_text, gpt2, gpt_neox, gpt_oss, llama, mistral, mixtral, olmo2, phi3, "
                        + "qwen2, qwen2_moe, qwen3, qwen3_moe");
    }

    @Test
    void pickledWeightsAreRefused() throws IOException {
        Path model = dir.resolve("pickled");
        Files.createDirectories(model);
        Files.copy(model().resolve("config.json"), model.resolve("config.json"));
        Files.write(model.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2, 'c'});
        assertMentions(failingMap(model), "safetensors");
    }

    @Test
    void truncatedSafetensorsHeader() throws IOException {
        Path model = model();
        try (RandomAccessFile f = new RandomAccessFile(model.resolve("model.safetensors").toFile(), "rw")) {
            f.setLength(100);
        }
        assertMentions(failingMap(model), "model.safetensors");
    }

    @Test
    void missingTokenizer() throws IOException {
        Path model = model();
        Files.delete(model.resolve("tokenizer.json"));
        assertMentions(failingMap(model), "tokenizer.json", "not found");
    }

    @Test
    void missingConfig() throws IOException {
        Path model = model();
        Files.delete(model.resolve("config.json"));
        assertMentions(failingMap(model), "config.json");
    }

    @Test
    void gpuAskedForButTheEngineHasNoCudaFailsInsteadOfUsingTheCpu() throws IOException {
        Path model = model();
        String message = failingMap(model, Maps.of(model, dir.resolve("atlas")).device(DeviceMode.GPU));
        assertMentions(message, "--device gpu was asked for", "cannot use CUDA");
    }

    @Test
    void badOptions() throws IOException {
        Path model = model();
        Path atlas = dir.resolve("atlas");
        assertMentions(failingMap(model, Maps.of(model, atlas).layers("0-5")), "--layers", "layer 2");
        assertMentions(failingMap(model, Maps.of(model, atlas).topK(0)), "--top-k");
        assertMentions(failingMap(model, Maps.of(model, atlas).checkpoint("bad name/..")), "checkpoint name");
        assertMentions(failingMap(model, Maps.of(model, atlas).foldNorm(true).layers("0").topK(400)), "--top-k");
        try (Stream<Path> left = Files.list(dir)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().equals("atlas")
                    && p.toFile().list().length > 0));
        }
    }
}
