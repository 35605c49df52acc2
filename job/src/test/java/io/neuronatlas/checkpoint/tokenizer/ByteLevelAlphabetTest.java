package io.neuronatlas.checkpoint.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ByteLevelAlphabetTest {

    @Test
    void tableIsABijectionOverAllBytesWithGpt2sWellKnownChars() {
        Set<Character> chars = new HashSet<>();
        for (int b = 0; b < 256; b++) {
            char c = ByteLevelAlphabet.charFor(b);
            chars.add(c);
            assertEquals(b, ByteLevelAlphabet.byteFor(c), "byte " + b);
        }
        assertEquals(256, chars.size());
        assertEquals('\u0120', ByteLevelAlphabet.charFor(' '), "space is Ġ");
        assertEquals('\u010A', ByteLevelAlphabet.charFor('\n'), "newline is Ċ");
        assertEquals('A', ByteLevelAlphabet.charFor('A'));
        assertEquals('\u00E9', ByteLevelAlphabet.charFor(0xE9), "printable Latin-1 maps to itself");
        assertEquals('\u0143', ByteLevelAlphabet.charFor(0xAD), "soft hyphen is the last shifted byte");
        assertEquals(-1, ByteLevelAlphabet.byteFor('\u0144'));
    }

    @Test
    void decodesKeysToUtf8Text() {
        assertEquals(" dog", ByteLevelAlphabet.decode("\u0120dog"));
        assertEquals("\n\n", ByteLevelAlphabet.decode("\u010A\u010A"));
        assertEquals("dog", ByteLevelAlphabet.decode("dog"));
        assertEquals(" \u00E9t\u00E9", ByteLevelAlphabet.decode("\u0120\u00C3\u00A9t\u00C3\u00A9"), "' été'");
    }

    @Test
    void partialUtf8BecomesReplacementCharacter() {
        // E4 B8 is two thirds of 中 (E4 B8 AD).
        assertEquals("\uFFFD", ByteLevelAlphabet.decode("\u00E4\u00B8"));
        assertEquals("\uFFFD", ByteLevelAlphabet.decode("\u00B8"), "a lone continuation byte");
        assertEquals("\u00AD", ByteLevelAlphabet.decode("\u00AD"), "U+00AD is not in the table (soft hyphen is shifted), so it is kept");
        assertEquals(" \uFFFD", ByteLevelAlphabet.decode("\u0120\u00E4"));
    }

    @Test
    void charactersOutsideTheTableAreKept() {
        assertEquals("x\u4E2D\uD83D\uDE00", ByteLevelAlphabet.decode("x\u4E2D\uD83D\uDE00"));
    }

    @ParameterizedTest
    @ValueSource(strings = {" dog", "\n", "\u4E2D\u6587", "\uD83D\uDE00 emoji", "\u0000\u0001\t\u007F", "  two", "\u0120 literal G-dot",
            "caf\u00E9", "e\u0301", "\r\n"})
    void encodeThenDecodeIsIdentity(String text) {
        String key = ByteLevelAlphabet.encode(text);
        key.chars().forEach(c -> assertTrue(ByteLevelAlphabet.byteFor(c) >= 0, "key char in table"));
        assertEquals(text, ByteLevelAlphabet.decode(key));
    }

    @Test
    void encodeRefusesUnpairedSurrogates() {
        assertThrows(IllegalArgumentException.class, () -> ByteLevelAlphabet.encode("a\uD83D"));
    }
}
