package io.neuronatlas.checkpoint.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightFilesTest {

    private static final String SHARD_1 = "model-00001-of-00002.safetensors";
    private static final String SHARD_2 = "model-00002-of-00002.safetensors";

    @TempDir
    Path dir;

    @Test
    void singleFile() throws IOException {
        new SafetensorsWriter(dir.resolve("model.safetensors"))
                .add("model.norm.weight", DType.F32, new long[] {3}, new float[] {1, 2, 3})
                .add("lm_head.weight", DType.BF16, new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})
                .write();
        Files.writeString(dir.resolve("config.json"), "{}");
        try (WeightFiles weights = WeightFiles.open(dir)) {
            assertEquals(List.of(dir.resolve("model.safetensors")), weights.files());
            assertEquals(2, weights.tensors().size());
            assertEquals(3 * 4 + 6 * 2, weights.totalBytes());
            assertArrayEquals(new long[] {2, 3}, weights.require("lm_head.weight").shape());
            assertEquals(Optional.empty(), weights.find("model.embed_tokens.weight"));
            assertArrayEquals(new float[] {1, 2, 3}, weights.readVector("model.norm.weight"));
            float[] column = new float[2];
            weights.readColumns("lm_head.weight", 1, 1, column, 0);
            assertArrayEquals(new float[] {2, 5}, column);

            SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class,
                    () -> weights.require("model.embed_tokens.weight"));
            assertEquals(dir + ": tensor 'model.embed_tokens.weight': not in any of the 1 weight files "
                    + "[model.safetensors]", e.getMessage());
        }
    }

    @Test
    void shardedWithIndex() throws IOException {
        writeShards();
        writeIndex("\"up\": \"" + SHARD_1 + "\", \"norm\": \"" + SHARD_1 + "\", \"down\": \"" + SHARD_2 + "\"");
        try (WeightFiles weights = WeightFiles.open(dir)) {
            assertEquals(List.of(dir.resolve(SHARD_1), dir.resolve(SHARD_2)), weights.files());
            assertEquals(List.of("up", "norm", "down"), weights.tensors().stream().map(TensorInfo::name).toList());
            assertEquals(dir.resolve(SHARD_2), weights.fileOf("down").path());
            assertSame(weights.fileOf("up"), weights.fileOf("norm"), "each shard is opened once");
            assertEquals((4 * 2 + 2) * 2 + 2 * 4 * 4, weights.totalBytes());

            float[] rows = new float[4];
            weights.readRows("up", 2, 2, rows, 0);
            assertArrayEquals(new float[] {5, 6, 7, 8}, rows);
            float[] column = new float[2];
            weights.readColumns("down", 3, 1, column, 0);
            assertArrayEquals(new float[] {-4, -8}, column);
        }
    }

    @Test
    void shardsWithoutIndexAreAllOpened() throws IOException {
        writeShards();
        try (WeightFiles weights = WeightFiles.open(dir)) {
            assertEquals(2, weights.files().size());
            assertEquals(3, weights.tensors().size());
            assertArrayEquals(new float[] {0.5f, 0.25f}, weights.readVector("norm"));
        }
    }

    @Test
    void tensorInTwoShards() throws IOException {
        writeShards();
        new SafetensorsWriter(dir.resolve("extra.safetensors"))
                .add("norm", DType.F32, new long[] {2}, new float[] {1, 1}).write();
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> WeightFiles.open(dir));
        assertEquals(dir + ": tensor 'norm': is in both extra.safetensors and " + SHARD_1
                + "; expected each tensor in exactly one file", e.getMessage());
    }

    @Test
    void indexListingAMissingShard() throws IOException {
        writeShards();
        Files.delete(dir.resolve(SHARD_2));
        Path index = writeIndex("\"up\": \"" + SHARD_1 + "\", \"down\": \"" + SHARD_2 + "\"");
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> WeightFiles.open(dir));
        assertEquals(index + ": weight_map puts tensor 'down' in '" + SHARD_2 + "' but " + dir.resolve(SHARD_2)
                + " does not exist", e.getMessage());
    }

    @Test
    void indexListingATensorItsShardLacks() throws IOException {
        writeShards();
        Path index = writeIndex("\"up\": \"" + SHARD_1 + "\", \"gate\": \"" + SHARD_1 + "\", \"down\": \""
                + SHARD_2 + "\"");
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> WeightFiles.open(dir));
        assertEquals(index + ": weight_map puts tensor 'gate' in '" + SHARD_1
                + "' but that file's header has no such tensor", e.getMessage());
    }

    @Test
    void indexPuttingATensorInTheWrongShard() throws IOException {
        writeShards();
        Path index = writeIndex("\"up\": \"" + SHARD_2 + "\", \"down\": \"" + SHARD_2 + "\", \"norm\": \""
                + SHARD_1 + "\"");
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> WeightFiles.open(dir));
        assertEquals(index + ": weight_map puts tensor 'up' in '" + SHARD_2 + "' but it is in " + SHARD_1,
                e.getMessage());
    }

    @Test
    void pickledCheckpointIsRefused() throws IOException {
        // Content irrelevant: the file must be refused by name, never opened.
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 0x02});
        Files.writeString(dir.resolve("config.json"), "{}");
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> WeightFiles.open(dir));
        String message = e.getMessage();
        assertTrue(message.startsWith(dir + ": no safetensors files, only pickled PyTorch weights "
                + "[pytorch_model.bin]"), message);
        assertTrue(message.contains("reads safetensors only and never unpickles weights"), message);
        assertTrue(message.contains("save_pretrained(dir, safe_serialization=True)"), message);
    }

    @Test
    void emptyFolder() {
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> WeightFiles.open(dir));
        assertEquals(dir + ": no weights found; expected model.safetensors, model.safetensors.index.json or "
                + "*.safetensors files", e.getMessage());
    }

    @Test
    void missingFolder() {
        Path missing = dir.resolve("no-such-model");
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class,
                () -> WeightFiles.open(missing));
        assertEquals(missing + ": model folder does not exist or is not a directory", e.getMessage());
    }

    /** SHARD_1: up [4, 2] and norm [2]; SHARD_2: down [2, 4]. */
    private void writeShards() throws IOException {
        new SafetensorsWriter(dir.resolve(SHARD_1))
                .add("up", DType.BF16, new long[] {4, 2}, new float[] {1, 2, 3, 4, 5, 6, 7, 8})
                .add("norm", DType.F16, new long[] {2}, new float[] {0.5f, 0.25f})
                .write();
        new SafetensorsWriter(dir.resolve(SHARD_2))
                .add("down", DType.F32, new long[] {2, 4}, new float[] {-1, -2, -3, -4, -5, -6, -7, -8})
                .write();
    }

    private Path writeIndex(String weightMapEntries) throws IOException {
        return Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"metadata\": {\"total_size\": 42}, \"weight_map\": {" + weightMapEntries + "}}");
    }
}
