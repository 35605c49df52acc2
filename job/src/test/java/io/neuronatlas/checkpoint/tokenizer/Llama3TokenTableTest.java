package io.neuronatlas.checkpoint.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.testing.SharedFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Meta's Llama-3 tokenizer (128,000 byte-level entries + 256 special tokens). Read from ../shared,
 * never copied into the repository: its licence does not allow redistribution.
 */
class Llama3TokenTableTest {
    private static final int LLAMA3_VOCAB = 128_256;

    private static TokenTable table;
    private Path file;

    // Per test rather than @BeforeAll so that, without ../shared, each test reports as skipped
    // instead of the class silently running zero tests; the 9 MB file is still parsed once.
    @BeforeEach
    void load() throws IOException {
        file = SharedFiles.llama3Tokenizer();
        synchronized (Llama3TokenTableTest.class) {
            if (table == null) {
                table = TokenTable.load(file, LLAMA3_VOCAB);
            }
        }
    }

    @Test
    void coversEveryId() {
        assertEquals(LLAMA3_VOCAB, table.size());
        assertEquals(0, table.droppedIds());
        for (int id = 0; id < LLAMA3_VOCAB; id++) {
            assertFalse(table.token(id).startsWith("<unk:"), "id " + id);
        }
    }

    @Test
    void wordsDecodeWithTheirLeadingSpace() {
        assertEquals(" dog", table.token(5679));
        assertEquals(" cat", table.token(8415));
        assertEquals(" puppy", table.token(42289));
        assertEquals(" car", table.token(1841));
        assertEquals("\n", table.token(198));
        assertEquals(OptionalInt.of(5679), table.idOf(" dog"));
    }

    @Test
    void specialTokensAreVerbatim() {
        assertEquals("<|begin_of_text|>", table.token(128000));
        assertEquals("<|end_of_text|>", table.token(128001));
        assertEquals("<|reserved_special_token_250|>", table.token(128255));
        assertEquals(OptionalInt.of(128000), table.idOf("<|begin_of_text|>"));
    }

    @Test
    void tokensHoldingPartOfACharacterShowReplacementCharacter() {
        // 11882 is "âĶ" = bytes E2 94, the first two of the three bytes of a box-drawing character.
        assertTrue(table.token(11882).contains("\uFFFD"), table.token(11882));
        // 128 is "Ä" = the lone lead byte C4.
        assertEquals("\uFFFD", table.token(128));
    }

    @Test
    void paddedHeadGetsPlaceholders() throws IOException {
        TokenTable padded = TokenTable.load(file, 128_300);
        assertEquals("<|reserved_special_token_250|>", padded.token(128255));
        assertEquals("<unk:128256>", padded.token(128256));
        assertEquals("<unk:128299>", padded.token(128299));
        assertEquals(OptionalInt.of(128256), padded.idOf("<unk:128256>"));
    }
}
