package io.neuronatlas.checkpoint;

import static io.neuronatlas.testing.Messages.assertMentions;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.checkpoint.tokenizer.TokenizerFormatException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JSON files of a model folder are read within a size bound: a 3 GB config.json (a sparse file here, so the test
 * writes nothing) is refused from its size alone, naming the file, instead of ending in an OutOfMemoryError.
 */
class InputBoundsTest {
    @TempDir
    Path dir;

    private Path model() throws IOException {
        return new SyntheticCheckpoint().layers(1).dModel(16).dMlp(16).vocab(300).seed(2).write(dir.resolve("m"))
                .dir();
    }

    /** Makes file length bytes long without writing them: the file system keeps the hole. */
    private static void grow(Path file, long length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(length);
        }
    }


    @Test
    void aHugeConfigIsRefusedFromItsSize() throws IOException {
        Path model = model();
        grow(model.resolve("config.json"), 3_000_000_000L);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(model).close());
        assertMentions(e.getMessage(), model.resolve("config.json") + ": is 3,000,000,000 bytes, more than the 16 MiB "
                + "that a config.json may hold");
    }

    @Test
    void aHugeIndexIsRefusedFromItsSize() throws IOException {
        Path model = new SyntheticCheckpoint().layers(1).dModel(16).dMlp(16).vocab(300).seed(2).files(2)
                .write(dir.resolve("sharded")).dir();
        Path index = model.resolve("model.safetensors.index.json");
        assertTrue(Files.exists(index), "two files come with an index");
        grow(index, 200L << 20);
        IOException e = assertThrows(IOException.class, () -> Checkpoint.open(model).close());
        assertMentions(e.getMessage(), index + ": is 209,715,200 bytes, more than the 64 MiB that an index of weight "
                + "files may hold");
    }

    @Test
    void aHugeTokenizerIsRefusedFromItsSize() throws IOException {
        Path model = model();
        grow(model.resolve("tokenizer.json"), 1L << 30);
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class,
                () -> TokenTable.load(model.resolve("tokenizer.json"), 300));
        assertMentions(e.getMessage(), "is 1,073,741,824 bytes, more than the 512 MiB a tokenizer.json may hold");
    }
}
