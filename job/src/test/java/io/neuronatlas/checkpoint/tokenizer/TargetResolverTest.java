package io.neuronatlas.checkpoint.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.neuronatlas.checkpoint.tokenizer.TargetResolver.Source;
import io.neuronatlas.checkpoint.tokenizer.TargetResolver.Target;
import io.neuronatlas.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Target texts resolved to the id the model emits: a tiny SentencePiece vocabulary with byte fallback where the piece
 * "y" and the byte piece {@code <0x79>} coexist (the byte piece has the lower id, as in every such vocabulary), a
 * character that exists only as bytes, and the real Llama-3 (byte-level, no byte pieces) and Mistral (byte fallback)
 * vocabularies in ../shared. Expected ids are read off the vocabulary files themselves.
 */
class TargetResolverTest {
    /** Ids 0..255 are <0x00>..<0xFF>, as SentencePiece numbers them (after any control pieces). */
    static final int PIECE_Y = 256;
    static final int SPACE = 257;
    static final int SPACE_Y = 258;
    static final int PIECE_AB = 259;
    static final int VOCAB = 262; // 260 pieces, <s> and </s>

    @TempDir
    Path dir;

    /** Bytes, then "y", "▁", "▁y" (merged from "▁ y") and "ab" (no merge: "ab" encodes as two byte pieces). */
    static Path byteFallbackTokenizer(Path dir) throws Exception {
        List<String> pieces = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            pieces.add(String.format(Locale.ROOT, "<0x%02X>", b));
        }
        pieces.addAll(List.of("y", "\u2581", "\u2581y", "ab"));
        Path file = dir.resolve("tokenizer.json");
        TokenizerJsonWriter.writeSentencePiece(file, pieces, List.of("<s>", "</s>"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(file.toFile());
        ((ObjectNode) root.get("model")).putArray("merges").add("\u2581 y");
        json.writeValue(file.toFile(), root);
        return dir;
    }

    @Test
    void thePieceWinsOverTheBytePieceThatRendersTheSameText() throws Exception {
        try (PromptEncoder encoder = PromptEncoder.open(byteFallbackTokenizer(dir), VOCAB)) {
            TokenTable tokens = encoder.tokens();
            assertEquals(0x79, tokens.idOf("y").getAsInt(), "the lowest id rendering \"y\" is the byte piece");
            assertEquals(TokenKind.BYTE, tokens.kind(0x79));
            assertEquals("<0x79>", tokens.label(0x79));
            TargetResolver resolver = new TargetResolver(encoder, "--target", "--target-id");

            Target y = resolver.resolve("y");
            assertEquals(PIECE_Y, y.id());
            assertEquals(TokenKind.PIECE, y.kind());
            assertEquals(Source.ENCODING, y.source());
            assertArrayEquals(new int[] {0x79}, y.others());
            String note = y.othersNote(tokens, "--target-id");
            assertTrue(note.contains("id 121 (byte <0x79>) also renders \"y\""), note);
            assertTrue(note.contains("--target-id"), note);

            // As a continuation " y" is "▁y"; encoded alone it would be ["▁", "▁y"] after the prepended "▁".
            Target spaceY = resolver.resolve(" y");
            assertEquals(SPACE_Y, spaceY.id());
            assertEquals(0, spaceY.others().length);
            assertEquals("", spaceY.othersNote(tokens, "--target-id"));

            // "ab" has no merge, so it encodes as two byte pieces; the vocabulary has a piece that renders it.
            Target ab = resolver.resolve("ab");
            assertEquals(PIECE_AB, ab.id());
            assertEquals(Source.VOCABULARY, ab.source());

            Target byId = resolver.byId(0x79);
            assertEquals("y", byId.text());
            assertEquals(TokenKind.BYTE, byId.kind());
            assertArrayEquals(new int[] {PIECE_Y}, byId.others());
            assertEquals(TokenKind.ADDED, tokens.kind(260));
            assertEquals(PIECE_Y, encoder.targetToken("y"));
        }
    }

    @Test
    void aCharacterThatExistsOnlyAsBytesIsNotOneToken() throws Exception {
        try (PromptEncoder encoder = PromptEncoder.open(byteFallbackTokenizer(dir), VOCAB)) {
            TargetResolver resolver = new TargetResolver(encoder, "--target", "--target-id");
            String message = assertThrows(IllegalArgumentException.class, () -> resolver.resolve("é")).getMessage();
            // é is UTF-8 C3 A9: two byte pieces, ids 0xC3 and 0xA9.
            assertTrue(message.contains("--target 'é' is not one token"), message);
            assertTrue(message.contains("2 tokens ['<0xC3>' (195), '<0xA9>' (169)]"), message);
            assertTrue(message.contains("--target-id N"), message);
            assertEquals(TokenKind.BYTE, resolver.byId(0xC3).kind(), "an id given as such is taken as it is");
            String outside = assertThrows(IllegalArgumentException.class, () -> resolver.byId(VOCAB)).getMessage();
            assertEquals("--target-id 262 is outside the vocabulary: ids are 0 to 261", outside);
            assertThrows(IllegalArgumentException.class, () -> resolver.byId(-1));
        }
    }

    private Path shared(String model) throws Exception {
        Path tokenizer = SharedFiles.sharedFile("tokenizers/" + model + "/tokenizer.json", model + " tokenizer");
        Path folder = dir.resolve(model);
        Files.createDirectories(folder);
        Files.copy(tokenizer, folder.resolve("tokenizer.json"));
        return folder;
    }

    /** Byte-level BPE: no byte pieces, every text one entry; the encoding as a continuation is the vocabulary's id. */
    @Test
    void llama3ByteLevel() throws Exception {
        try (PromptEncoder encoder = PromptEncoder.open(shared("llama3"), 128_256)) {
            TargetResolver resolver = new TargetResolver(encoder, "--target", "--target-id");
            for (String text : List.of(" dog", " California", "y", "dog")) {
                Target t = resolver.resolve(text);
                assertEquals(encoder.tokens().idOf(text).getAsInt(), t.id(), text);
                assertEquals(Source.ENCODING, t.source(), text);
                assertEquals(0, t.others().length, text);
            }
            assertEquals(5679, resolver.resolve(" dog").id(), "notes/forward-pass.md");
            TokenTable tokens = encoder.tokens();
            assertTrue(IntStream.range(0, tokens.size()).noneMatch(id -> tokens.kind(id) == TokenKind.BYTE));
            String message = assertThrows(IllegalArgumentException.class,
                    () -> resolver.resolve(" Schwarzeneggerdog")).getMessage();
            assertTrue(message.contains("is not one token"), message);
        }
    }

    /**
     * SentencePiece with byte fallback: "y" is the piece, not <0x79>; " dog" is "▁dog". (Gemma-3's vocabulary has the
     * same layout but takes 15 s to load; Mistral's stands for both.)
     */
    @Test
    void mistralByteFallback() throws Exception {
        try (PromptEncoder encoder = PromptEncoder.open(shared("mistral"), 32_000)) {
            TokenTable tokens = encoder.tokens();
            TargetResolver resolver = new TargetResolver(encoder, "--target", "--target-id");
            int bytePiece = tokens.idsOf("y")[0];
            assertEquals(TokenKind.BYTE, tokens.kind(bytePiece), "the byte piece comes first");
            assertEquals("<0x79>", tokens.label(bytePiece));
            Target y = resolver.resolve("y");
            assertEquals(TokenKind.PIECE, y.kind());
            assertEquals(Source.ENCODING, y.source());
            assertArrayEquals(new int[] {bytePiece}, y.others());
            Target dog = resolver.resolve(" dog");
            assertEquals(3914, dog.id(), "' dog' as ../shared/tokenizers/README.md gives it");
            assertEquals(Source.ENCODING, dog.source());
            assertArrayEquals(new int[] {3914}, tokens.idsOf(" dog"));
        }
    }
}
