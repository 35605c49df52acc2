package io.neuronatlas.checkpoint.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.synthetic.SyntheticDecoder;
import io.neuronatlas.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prompt encoding with files that are always here: GPT-NeoX's byte-level tokenizer (committed test resource, no
 * BOS) checked against {@link ReferenceBpe}, and the synthetic vocabulary with tokenizer_config.json variants.
 */
class PromptEncoderTest {
    private static final int NEOX_VOCAB = 50_304;

    @TempDir
    Path dir;

    private Path neox() throws Exception {
        Files.copy(SharedFiles.gptNeoxTokenizer(), dir.resolve("tokenizer.json"));
        return dir;
    }

    @Test
    void byteLevelEncodingMatchesMergesAppliedByHand() throws Exception {
        ReferenceBpe bpe = new ReferenceBpe(SharedFiles.gptNeoxTokenizer());
        int[] expected = IntStream.concat(IntStream.concat(IntStream.of(bpe.encode("My")),
                IntStream.of(bpe.encode(" favourite"))), IntStream.concat(IntStream.of(bpe.encode(" animal")),
                IntStream.of(bpe.encode(" is")))).toArray();
        try (PromptEncoder encoder = PromptEncoder.open(neox(), NEOX_VOCAB)) {
            assertArrayEquals(expected, encoder.encode("My favourite animal is"), "no BOS for GPT-NeoX");
            assertEquals(bpe.encode(" dog")[0], encoder.targetToken(" dog"));
            assertEquals(1, bpe.encode(" dog").length);
            assertEquals("My favourite animal is", encoder.decode(encoder.encode("My favourite animal is"), true));
        }
    }

    @Test
    void truncationIsOff() throws Exception {
        try (PromptEncoder encoder = PromptEncoder.open(neox(), NEOX_VOCAB)) {
            int[] ids = encoder.encode(" dog".repeat(1500));
            assertEquals(1500, ids.length, "DJL's default would truncate to 512");
        }
    }

    @Test
    void aTargetOfSeveralTokensNamesItsPieces() throws Exception {
        try (PromptEncoder encoder = PromptEncoder.open(neox(), NEOX_VOCAB)) {
            String message = assertThrows(IllegalArgumentException.class,
                    () -> encoder.targetToken(" Schwarzeneggerdog")).getMessage();
            assertTrue(message.contains("target ' Schwarzeneggerdog' is not one token"), message);
            assertTrue(message.contains("'dog'"), message);
            assertTrue(message.contains("6 tokens ['"), message);
        }
    }

    @Test
    void addBosTokenInTokenizerConfig() throws Exception {
        SyntheticDecoder.Written w = new SyntheticDecoder().vocab(400).write(dir);
        int bos = w.id(SyntheticDecoder.BOS);
        try (PromptEncoder plain = PromptEncoder.open(dir, 400)) {
            int[] ids = plain.encode("the");
            assertTrue(ids.length > 0 && ids[0] != bos, "the synthetic tokenizer.json adds no BOS by itself");
        }
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": true, \"bos_token\": {"
                + "\"content\": \"" + SyntheticDecoder.BOS + "\"}}");
        try (PromptEncoder withBos = PromptEncoder.open(dir, 400)) {
            int[] ids = withBos.encode("the");
            assertEquals(bos, ids[0]);
            assertTrue(IntStream.of(ids).filter(i -> i == bos).count() == 1);
            int[] explicit = withBos.encode(SyntheticDecoder.BOS + "the");
            assertArrayEquals(ids, explicit, "a BOS written in the text is not doubled");
        }
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": true, \"bos_token\": \"<s>\"}");
        String message = assertThrows(TokenizerFormatException.class, () -> PromptEncoder.open(dir, 400))
                .getMessage();
        assertTrue(message.contains("tokenizer_config.json") && message.contains("'<s>'"), message);
    }

    @Test
    void chatWithoutATemplate() throws Exception {
        try (PromptEncoder encoder = PromptEncoder.open(neox(), NEOX_VOCAB)) {
            String missing = assertThrows(TokenizerFormatException.class,
                    () -> encoder.encodeChat(List.of(ChatMessage.user("Hi")))).getMessage();
            assertTrue(missing.contains("tokenizer_config.json") && missing.contains("not found")
                    && missing.contains("--chat"), missing);
            Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": null}");
            String none = assertThrows(TokenizerFormatException.class,
                    () -> encoder.encodeChat(List.of(ChatMessage.user("Hi")))).getMessage();
            assertTrue(none.contains("has no chat_template") && none.contains("--chat"), none);
        }
    }

    @Test
    void missingTokenizerFile() {
        String message = assertThrows(TokenizerFormatException.class, () -> PromptEncoder.open(dir, 10))
                .getMessage();
        assertTrue(message.contains(dir.resolve("tokenizer.json").toString()), message);
    }
}
