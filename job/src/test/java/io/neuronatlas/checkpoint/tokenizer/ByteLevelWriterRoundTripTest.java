package io.neuronatlas.checkpoint.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ByteLevelWriterRoundTripTest {
    private static final List<String> TRICKY = List.of(
            " dog", "dog", "\n", "\n\n", " ", "   three", "\t", "\u0000", "\u0007bell", "\u007F", "\r\n",
            "\u4E2D\u6587", " \u65E5\u672C", "\uD83D\uDE00", "\uD83D\uDC4D\uD83C\uDFFD", "caf\u00E9", "e\u0301",
            "\u00A0nbsp", "soft\u00ADhyphen", "\u0120", "\u2581dog", "<|endoftext|>", "\"quoted\\");

    @TempDir
    Path dir;

    @Test
    void everyTextComesBackAtItsId() throws IOException {
        Path file = dir.resolve("nested/dir/tokenizer.json");
        TokenizerJsonWriter.writeByteLevel(file, TRICKY, List.of("<|bos|>", "<|eos|>"));

        TokenTable table = TokenTable.load(file, TRICKY.size() + 2);
        for (int id = 0; id < TRICKY.size(); id++) {
            assertEquals(TRICKY.get(id), table.token(id), "id " + id);
        }
        assertEquals("<|bos|>", table.token(TRICKY.size()));
        assertEquals("<|eos|>", table.token(TRICKY.size() + 1));
        assertEquals(OptionalInt.of(TRICKY.size() + 1), table.idOf("<|eos|>"));
    }

    @Test
    void writesTheHuggingFaceLayout() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        TokenizerJsonWriter.writeByteLevel(file, List.of(" dog", "\n"), List.of("<|endoftext|>"));

        JsonNode root = new ObjectMapper().readTree(file.toFile());
        assertEquals("ByteLevel", root.path("decoder").path("type").asText());
        assertEquals("ByteLevel", root.path("pre_tokenizer").path("type").asText());
        assertEquals(true, root.get("normalizer").isNull());
        assertEquals("BPE", root.path("model").path("type").asText());
        assertEquals(0, root.path("model").path("vocab").path("\u0120dog").asInt(-1));
        assertEquals(1, root.path("model").path("vocab").path("\u010A").asInt(-1));
        assertEquals(0, root.path("model").path("merges").size());
        JsonNode special = root.path("added_tokens").get(0);
        assertEquals(2, special.path("id").asInt());
        assertEquals("<|endoftext|>", special.path("content").asText());
        assertEquals(true, special.path("special").asBoolean());
    }

    @Test
    void refusesDuplicates() {
        Path file = dir.resolve("tokenizer.json");
        assertThrows(IllegalArgumentException.class,
                () -> TokenizerJsonWriter.writeByteLevel(file, List.of("a", "b", "a"), List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> TokenizerJsonWriter.writeByteLevel(file, List.of("a"), List.of("<s>", "<s>")));
        assertThrows(IllegalArgumentException.class,
                () -> TokenizerJsonWriter.writeSentencePiece(file, List.of("\u2581a", "\u2581a"), List.of()));
    }
}
