package io.neuronatlas.checkpoint.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sizing, overriding and lookup rules, on small hand-written files. */
class TokenTableTest {
    @TempDir
    Path dir;

    @Test
    void idsMissingFromTheTokenizerGetPlaceholders() throws IOException {
        // Id 1 is a hole in the vocabulary; 3 and 4 lie beyond it.
        Path file = json("""
                {"decoder": {"type": "ByteLevel"},
                 "model": {"type": "BPE", "vocab": {"a": 0, "\u0120b": 2}, "merges": []}}
                """);
        TokenTable table = TokenTable.load(file, 5);
        assertArrayEquals(new String[] {"a", "<unk:1>", " b", "<unk:3>", "<unk:4>"}, table.strings());
        assertEquals(0, table.droppedIds());
    }

    @Test
    void idsBeyondTheHeadAreDroppedAndCountedOnce() throws IOException {
        // Id 3 is both a vocab entry and an added token; it is one dropped id, not two.
        Path file = json("""
                {"added_tokens": [{"id": 3, "content": "<s>", "special": true},
                                  {"id": 4, "content": "</s>", "special": true}],
                 "decoder": {"type": "ByteLevel"},
                 "model": {"vocab": {"a": 0, "b": 1, "c": 2, "<s>": 3}}}
                """);
        TokenTable table = TokenTable.load(file, 2);
        assertArrayEquals(new String[] {"a", "b"}, table.strings());
        assertEquals(3, table.droppedIds());
    }

    @Test
    void addedTokensOverrideTheVocabEntryForTheirId() throws IOException {
        Path file = json("""
                {"added_tokens": [{"id": 1, "content": "\u0120verbatim", "special": false}],
                 "decoder": {"type": "ByteLevel"},
                 "model": {"type": "BPE", "vocab": {"a": 0, "\u0120x": 1}}}
                """);
        TokenTable table = TokenTable.load(file, 2);
        assertEquals("\u0120verbatim", table.token(1), "added content is not byte-decoded");
    }

    @Test
    void idOfFindsTheLowestIdWithThatString() throws IOException {
        Path file = dir.resolve("t.json");
        // " dog" at id 1 and again, spelled as an added token, at id 3.
        TokenizerJsonWriter.writeByteLevel(file, List.of("dog", " dog", "cat"), List.of(" dog"));
        TokenTable table = TokenTable.load(file, 4);
        assertEquals(" dog", table.token(3));
        assertEquals(OptionalInt.of(1), table.idOf(" dog"));
        assertEquals(OptionalInt.empty(), table.idOf("\u0120dog"));
        assertEquals(OptionalInt.empty(), table.idOf("bird"));
    }

    @Test
    void survivesJavaSerializationAsSparkBroadcastsIt() throws IOException, ClassNotFoundException {
        Path file = dir.resolve("t.json");
        TokenizerJsonWriter.writeByteLevel(file, List.of(" dog", "\u4E2D", "\n"), List.of("<eos>"));
        TokenTable table = TokenTable.load(file, 6);
        table.idOf(" dog"); // builds the transient index, which must not travel

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(table);
        }
        TokenTable copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (TokenTable) in.readObject();
        }
        assertArrayEquals(table.strings(), copy.strings());
        assertEquals(OptionalInt.of(3), copy.idOf("<eos>"));
        assertEquals("<unk:5>", copy.token(5));
    }

    @Test
    void stringsIsACopyAndBoundsAreChecked() throws IOException {
        Path file = dir.resolve("t.json");
        TokenizerJsonWriter.writeByteLevel(file, List.of("a", "b"), List.of());
        TokenTable table = TokenTable.load(file, 2);
        table.strings()[0] = "changed";
        assertEquals("a", table.token(0));
        assertThrows(IndexOutOfBoundsException.class, () -> table.token(2));
        assertThrows(IndexOutOfBoundsException.class, () -> table.token(-1));
        assertThrows(IllegalArgumentException.class, () -> TokenTable.load(file, 0));
    }

    private Path json(String text) throws IOException {
        Path file = Files.createTempFile(dir, "tokenizer", ".json");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }
}
