package io.neuronatlas.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.safetensors.TensorInfo;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fingerprint follows the bytes the map reads, and nothing else. */
class FingerprintTest {
    @TempDir
    Path dir;

    private Path write(String name) throws IOException {
        return new SyntheticCheckpoint().layers(2).dModel(32).dMlp(48).vocab(300).seed(4).files(2)
                .write(dir.resolve(name)).dir();
    }

    private static Fingerprint of(Path model) throws IOException {
        try (Checkpoint c = Checkpoint.open(model)) {
            return Fingerprint.of(c, 2);
        }
    }

    /** Adds one to the byte at offset within a tensor's data: same size, same header, different weights. */
    private static void nudge(Path model, String tensor, long offset) throws IOException {
        TensorInfo info;
        Path file;
        try (Checkpoint c = Checkpoint.open(model)) {
            info = c.weights().require(tensor);
            file = c.weights().fileOf(tensor).path();
        }
        FileTime mtime = Files.getLastModifiedTime(file);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            long at = info.dataStart() + offset;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b + 1);
        }
        Files.setLastModifiedTime(file, mtime);
    }

    @Test
    void equalFoldersHaveEqualFingerprintsWhateverTheirNamesAndTimes() throws IOException {
        Path a = write("a");
        Path b = write("b");
        Files.setLastModifiedTime(b.resolve("config.json"), FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
        Fingerprint fa = of(a);
        assertTrue(fa.value().matches("xxh64:[0-9a-f]{16}"), fa.value());
        assertEquals(fa.value(), of(b).value());
        try (Checkpoint c = Checkpoint.open(a)) {
            assertEquals(fa.value(), Fingerprint.of(c, 1).value(), "independent of thread count");
        }
        // Every MLP matrix, the head, the norm, config.json and tokenizer.json: all bytes but the embedding's.
        long expected = 2L * 3 * 48 * 32 * 2 + 300 * 32 * 2 + 32 * 2 + Files.size(a.resolve("config.json"))
                + Files.size(a.resolve("tokenizer.json"));
        assertEquals(expected, fa.bytesHashed());
    }

    @Test
    void oneChangedByteOfATensorTheMapReadsChangesIt() throws IOException {
        Path model = write("m");
        String before = of(model).value();
        for (String tensor : new String[] {"model.layers.1.mlp.down_proj.weight", "lm_head.weight",
            "model.norm.weight", "model.layers.0.mlp.gate_proj.weight"}) {
            nudge(model, tensor, 17);
            String after = of(model).value();
            assertNotEquals(before, after, tensor);
            before = after;
        }
    }

    @Test
    void tokenizerAndConfigAreIncludedTheUnreadEmbeddingIsNot() throws IOException {
        Path model = write("m");
        String before = of(model).value();
        nudge(model, "model.embed_tokens.weight", 5); // untied head: the map never reads the embedding
        assertEquals(before, of(model).value());
        Files.writeString(model.resolve("tokenizer.json"), Files.readString(model.resolve("tokenizer.json"))
                .replace("\"dog\"", "\"dOg\""));
        String retokenized = of(model).value();
        assertNotEquals(before, retokenized, "token strings are part of the rows");
        Files.writeString(model.resolve("notes.txt"), "not read by the map");
        assertEquals(retokenized, of(model).value());
    }
}
