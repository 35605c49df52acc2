package io.neuronatlas.checkpoint.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Llama-2 / Mistral style vocabularies: "▁" for spaces and {@code <0xNN>} byte-fallback pieces. */
class SentencePieceTokenTableTest {
    @TempDir
    Path dir;

    @Test
    void llama2StyleFileFromTheWriter() throws IOException {
        List<String> pieces = List.of("<unk>", "<0x0A>", "<0x41>", "<0xE4>", "\u2581dog", "dog", "\u2581\u2581",
                "\u2581New\u2581York", "\u4E2D", "\u2581California");
        Path file = dir.resolve("tokenizer.json");
        TokenizerJsonWriter.writeSentencePiece(file, pieces, List.of("<s>", "</s>"));

        TokenTable table = TokenTable.load(file, 12);
        assertEquals("<unk>", table.token(0));
        assertEquals("\n", table.token(1));
        assertEquals("A", table.token(2));
        assertEquals("\uFFFD", table.token(3));
        assertEquals(" dog", table.token(4));
        assertEquals("dog", table.token(5));
        assertEquals("  ", table.token(6));
        assertEquals(" New York", table.token(7));
        assertEquals("\u4E2D", table.token(8));
        assertEquals(" California", table.token(9));
        assertEquals("<s>", table.token(10));
        assertEquals("</s>", table.token(11));
        assertEquals(OptionalInt.of(4), table.idOf(" dog"));
        assertEquals(0, table.droppedIds());
    }

    @Test
    void metaspaceDecoderAlone() throws IOException {
        Path file = json("""
                {"added_tokens": [{"id": 3, "content": "<s>", "special": true}],
                 "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": true},
                 "model": {"type": "BPE", "vocab": {"\u2581dog": 0, "<0x0A>": 1, "s": 2, "<s>": 3}, "merges": []}}
                """);
        TokenTable table = TokenTable.load(file, 4);
        assertEquals(" dog", table.token(0));
        assertEquals("\n", table.token(1));
        assertEquals("<s>", table.token(3));
    }

    @Test
    void unigramVocabularyListIsReadAsSentencePiece() throws IOException {
        Path file = json("""
                {"normalizer": null,
                 "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": true},
                 "decoder": null,
                 "model": {"type": "Unigram", "unk_id": 0,
                           "vocab": [["<unk>", 0.0], ["\u2581dog", -7.5], ["<0x0A>", -20.0], ["ing", -3.25]]}}
                """);
        TokenTable table = TokenTable.load(file, 5);
        assertEquals("<unk>", table.token(0));
        assertEquals(" dog", table.token(1));
        assertEquals("\n", table.token(2));
        assertEquals("ing", table.token(3));
        assertEquals("<unk:4>", table.token(4));
    }

    @Test
    void byteFallbackModelWithoutDecoderIsSentencePiece() throws IOException {
        Path file = json("""
                {"model": {"type": "BPE", "byte_fallback": true, "vocab": {"\u2581cat": 0, "<0x20>": 1}, "merges": []}}
                """);
        TokenTable table = TokenTable.load(file, 2);
        assertEquals(" cat", table.token(0));
        assertEquals(" ", table.token(1));
    }

    private Path json(String text) throws IOException {
        Path file = Files.createTempFile(dir, "tokenizer", ".json");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }
}
