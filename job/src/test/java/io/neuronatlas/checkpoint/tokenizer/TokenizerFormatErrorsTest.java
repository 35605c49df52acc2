package io.neuronatlas.checkpoint.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every unusable file is refused with a message naming the file and the problem. */
class TokenizerFormatErrorsTest {
    @TempDir
    Path dir;

    @Test
    void malformedJson() throws IOException {
        assertProblem("{\"model\": {\"vocab\": {\"a\": 0,", "not valid JSON");
        assertProblem("{\"model\": {\"vocab\": {\"a\": 0}}} trailing", "not valid JSON");
        assertProblem("", "empty");
        assertProblem("[1, 2]", "top level is not a JSON object");
    }

    @Test
    void missingModelOrVocab() throws IOException {
        assertProblem("{\"decoder\": {\"type\": \"ByteLevel\"}}", "missing model");
        assertProblem("{\"decoder\": {\"type\": \"ByteLevel\"}, \"model\": {\"type\": \"BPE\", \"merges\": []}}",
                "missing model.vocab");
        assertProblem("{\"model\": {\"type\": \"BPE\", \"vocab\": \"a b c\"}}", "model.vocab is neither");
    }

    @Test
    void unsupportedModelTypes() throws IOException {
        TokenizerFormatException wordPiece = assertProblem(
                "{\"decoder\": {\"type\": \"WordPiece\", \"prefix\": \"##\"},"
                        + " \"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[CLS]\": 0, \"##ing\": 1}}}",
                "unsupported model type WordPiece");
        assertEquals("unsupported model type WordPiece (supported: BPE, and Unigram read as SentencePiece)",
                wordPiece.problem());
        assertProblem("{\"model\": {\"type\": \"WordLevel\", \"vocab\": {\"a\": 0}}}", "unsupported model type WordLevel");
        assertProblem("{\"decoder\": {\"type\": \"Metaspace\"}, \"model\": {\"type\": \"Unigram\", \"vocab\": {\"a\": 0}}}",
                "not a [piece, score] list");
    }

    @Test
    void badIds() throws IOException {
        String decoder = "\"decoder\": {\"type\": \"ByteLevel\"}, ";
        assertProblem("{" + decoder + "\"model\": {\"vocab\": {\"a\": -1}}}", "negative id");
        assertProblem("{" + decoder + "\"model\": {\"vocab\": {\"a\": \"zero\"}}}", "not an integer id");
        assertProblem("{" + decoder + "\"model\": {\"vocab\": {\"a\": 1.5}}}", "not an integer id");
        assertProblem("{" + decoder + "\"model\": {\"vocab\": {\"a\": 9999999999}}}", "not an integer id");
        assertProblem("{" + decoder + "\"model\": {\"vocab\": {\"a\": 0, \"b\": 0}}}", "id 0 to more than one piece");
        assertProblem("{" + decoder + "\"model\": {\"vocab\": {\"a\": 7, \"b\": 7}}}", "id 7 to more than one piece");
        assertProblem("{" + decoder + "\"added_tokens\": [{\"content\": \"<s>\"}], \"model\": {\"vocab\": {\"a\": 0}}}",
                "added_tokens[0] lacks an integer id");
    }

    @Test
    void schemeThatCannotBeToldOrIsAmbiguous() throws IOException {
        assertProblem("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}}}", "cannot tell how vocabulary keys spell text");
        assertProblem("{\"decoder\": {\"type\": \"Sequence\", \"decoders\": [{\"type\": \"ByteLevel\"}, {\"type\": \"ByteFallback\"}]},"
                + " \"model\": {\"vocab\": {\"a\": 0}}}", "ambiguous decoding scheme");
        assertProblem("{\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"normalizer\": {\"type\": \"Replace\","
                + " \"pattern\": {\"String\": \" \"}, \"content\": \"\u2581\"}, \"model\": {\"vocab\": {\"a\": 0}}}",
                "ambiguous decoding scheme");
    }

    @Test
    void decoderOutranksInputStages() throws IOException {
        // A ByteLevel decoder settles it even though byte_fallback hints at SentencePiece.
        Path file = write("{\"decoder\": {\"type\": \"ByteLevel\"}, \"model\": {\"byte_fallback\": true, \"vocab\": {\"\u0120a\": 0}}}");
        assertEquals(" a", TokenTable.load(file, 1).token(0));
    }

    @Test
    void missingFileIsAnIoErrorNotAFormatError() {
        assertThrows(NoSuchFileException.class, () -> TokenTable.load(dir.resolve("absent.json"), 10));
    }

    private TokenizerFormatException assertProblem(String json, String expected) throws IOException {
        Path file = write(json);
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> TokenTable.load(file, 10));
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expected), "says '" + expected + "': " + e.getMessage());
        assertEquals(file.toString(), e.file());
        return e;
    }

    private Path write(String json) throws IOException {
        Path file = Files.createTempFile(dir, "tokenizer", ".json");
        Files.writeString(file, json, StandardCharsets.UTF_8);
        return file;
    }
}
