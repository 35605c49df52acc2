package io.neuronatlas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static io.neuronatlas.testing.Messages.assertMentions;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.jobs.MapOutcome;
import io.neuronatlas.testing.Cli;
import io.neuronatlas.testing.Cli.Result;
import io.neuronatlas.testing.Maps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each message the hardening issue found misleading now says what is really wrong. */
class ClearMessagesTest {
    @TempDir
    Path dir;

    private Path model(String name) throws IOException {
        return new SyntheticCheckpoint().layers(1).dModel(16).dMlp(16).vocab(300).seed(4).files(2)
                .write(dir.resolve(name)).dir();
    }

    private static String openFailure(Path model) {
        return assertThrows(IOException.class, () -> Checkpoint.open(model).close()).getMessage();
    }


    /** A single-file model folder whose model.safetensors is replaced by what make puts there. */
    private Path withWeights(String name, java.util.function.Consumer<Path> make) throws IOException {
        Path model = new SyntheticCheckpoint().layers(1).dModel(16).dMlp(16).vocab(300).write(dir.resolve(name))
                .dir();
        Files.delete(model.resolve("model.safetensors"));
        make.accept(model.resolve("model.safetensors"));
        return model;
    }

    @Test
    void weightsThatAreADeviceAFifoOrAFolderAreNamedAsSuchNotAsMissing() throws Exception {
        Path zero = withWeights("zero", p -> link(p, Path.of("/dev/zero")));
        assertMentions(openFailure(zero), zero.resolve("model.safetensors") + ": is a character device; expected the "
                + "safetensors weights as a regular file");
        Path folder = withWeights("folder", p -> mkdir(p));
        assertMentions(openFailure(folder), "model.safetensors: is a directory");
        Path fifoModel = withWeights("fifo", p -> { });
        Process mkfifo = new ProcessBuilder("mkfifo", fifoModel.resolve("model.safetensors").toString()).start();
        Assumptions.assumeTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0,
                "skipped the FIFO case: mkfifo is not available here");
        // Opening a FIFO for reading would wait for a writer forever: the check must come first.
        assertMentions(openFailure(fifoModel), "model.safetensors: is a FIFO (named pipe)");
    }

    private static void link(Path at, Path target) {
        try {
            Files.createSymbolicLink(at, target);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void mkdir(Path at) {
        try {
            Files.createDirectories(at);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aShardListedAsDotSlashXAndXIsOneFile() throws IOException {
        Path model = model("sharded");
        Path index = model.resolve("model.safetensors.index.json");
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(index.toFile());
        ObjectNode map = (ObjectNode) root.get("weight_map");
        String first = map.get("lm_head.weight").asText();
        map.put("lm_head.weight", "./" + first);
        json.writeValue(index.toFile(), root);
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            assertEquals(2, checkpoint.weights().files().size());
            assertEquals(first, checkpoint.weights().fileOf("lm_head.weight").path().getFileName().toString());
        }
    }

    @Test
    void aTokenizerOnlyChangeIsCalledThatNotAWeightsChange() throws IOException {
        Path model = model("m");
        Path atlas = dir.resolve("atlas");
        Maps.Builder map = Maps.of(model, atlas).matrices(MlpMatrix.UP).topK(3);
        map.run();
        Path tokenizer = model.resolve("tokenizer.json");
        Files.writeString(tokenizer, Files.readString(tokenizer) + "\n"); // same tokens, other bytes
        MapOutcome tokens = map.outcome();
        assertTrue(tokens.reason().startsWith("tokenizer.json changed (fingerprint "), tokens.reason());
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(model.resolve("config.json").toFile());
        config.put("rope_theta", 12345.0);
        new ObjectMapper().writeValue(model.resolve("config.json").toFile(), config);
        assertTrue(map.outcome().reason().startsWith("config.json changed (fingerprint "));
    }

    @Test
    void aShardSizeOfZeroOrLessIsAnErrorNotTheDefault() throws IOException {
        Path model = model("m");
        for (String size : new String[] {"0", "-5"}) {
            Result r = Cli.run("map", "--model", model.toString(), "--out", dir.resolve("atlas").toString(),
                    "--shard-size", size);
            assertEquals(1, r.code(), r.out() + r.err());
            assertTrue(r.err().contains("--shard-size must be positive, found " + size), r.err());
        }
        assertTrue(!Files.exists(dir.resolve("atlas")));
    }

    @Test
    void aTieWordEmbeddingsThatIsNotABooleanIsAnError() throws IOException {
        Path model = model("m");
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(model.resolve("config.json").toFile());
        config.put("tie_word_embeddings", "yes");
        json.writeValue(model.resolve("config.json").toFile(), config);
        assertMentions(openFailure(model), "config.json: 'tie_word_embeddings' must be true or false, found \"yes\"");
        Files.delete(model.resolve("config.json"));
        Files.createDirectories(model.resolve("config.json"));
        assertMentions(openFailure(model), "config.json: is a directory; a model folder needs config.json");
    }
}
