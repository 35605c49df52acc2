package io.neuronatlas.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TokenTextTest {

    @Test
    void normGroupsCaseAndSpaceVariants() {
        assertEquals("coming", TokenText.norm(" Coming"));
        assertEquals("coming", TokenText.norm("coming"));
        assertEquals("coming", TokenText.norm(" COMING"));
        assertEquals("coming", TokenText.norm("ĠComing"));
        assertEquals("coming", TokenText.norm("\u2581Coming"));
        assertEquals("coming", TokenText.norm("\tComing\n"));
    }

    @Test
    void normAppliesNfkcAndFullCaseFolding() {
        // Fullwidth letters and the "fi" ligature are compatibility characters: NFKC makes them plain.
        assertEquals("dog", TokenText.norm("\uFF24\uFF2F\uFF27"));
        assertEquals("file", TokenText.norm("\uFB01le"));
        // 'ß' folds like "SS"; a decomposed é composes to the same string as the precomposed one.
        assertEquals(TokenText.norm("STRASSE"), TokenText.norm("straße"));
        assertEquals(TokenText.norm("caf\u00E9"), TokenText.norm("CAFE\u0301"));
        assertEquals("собака", TokenText.norm(" СОБАКА"));
    }

    @Test
    void normOfBlankAndOddTokens() {
        assertEquals("", TokenText.norm(""));
        assertEquals("", TokenText.norm("   "));
        assertEquals("", TokenText.norm("\u0000\u0007\n"));
        assertEquals("\uFFFD", TokenText.norm(" \uFFFD"));
        assertEquals("<0x0a>", TokenText.norm("<0x0A>"));
        assertEquals("狗", TokenText.norm(" 狗"));
        // A marker inside the token is a letter (Maltese Ġ), not a space: only leading ones are stripped.
        assertEquals("aġb", TokenText.norm("aĠb"));
    }

    @Test
    void scriptOfLetters() {
        assertEquals("Latin", TokenText.script(" dog"));
        assertEquals("Cyrillic", TokenText.script(" собака"));
        assertEquals("Han", TokenText.script("狗"));
        assertEquals("Arabic", TokenText.script(" كلب"));
        assertEquals("Greek", TokenText.script("σκύλος"));
        assertEquals("Mixed", TokenText.script("dogсобака"));
        assertEquals("Latin", TokenText.script("e\u0301")); // the combining accent is Inherited: ignored
        assertEquals("Latin", TokenText.script("dog42!"));
    }

    @Test
    void scriptWithoutLetters() {
        assertEquals("None", TokenText.script(""));
        assertEquals("None", TokenText.script(" 42"));
        assertEquals("None", TokenText.script("\uFFFD"));
        assertEquals("None", TokenText.script("\u0000\n"));
        assertEquals("None", TokenText.script("..."));
    }

    @Test
    void isWordMeansLettersOnlyOnceTrimmed() {
        assertTrue(TokenText.isWord(" dog"));
        assertTrue(TokenText.isWord("California\n"));
        assertTrue(TokenText.isWord("狗"));
        assertTrue(TokenText.isWord("cafe\u0301"));
        assertFalse(TokenText.isWord(""));
        assertFalse(TokenText.isWord("  "));
        assertFalse(TokenText.isWord(" dog's"));
        assertFalse(TokenText.isWord(" 42"));
        assertFalse(TokenText.isWord("\uFFFD"));
        assertFalse(TokenText.isWord("<0x0A>"));
        assertFalse(TokenText.isWord("\u0301a")); // a mark with no letter before it
        assertFalse(TokenText.isWord("do\u0000g"));
    }

    @Test
    void neuronIdRoundTrips() {
        NeuronId id = new NeuronId("up", 26, 1442);
        assertEquals("L26.up.1442", id.toString());
        assertEquals(id, NeuronId.parse("L26.up.1442"));
        assertEquals(new NeuronId("down", 0, 0), NeuronId.parse("L0.down.0"));
        assertNull(NeuronId.parse("L26.mlp.1442"));
        assertNull(NeuronId.parse("26.up.1442"));
        assertNull(NeuronId.parse("L26.up.1442 "));
        assertNull(NeuronId.parse(""));
        assertNull(NeuronId.parse("L99999999999.up.1"));
        assertThrows(IllegalArgumentException.class, () -> new NeuronId("mlp", 1, 1));
        NeuronId expert = new NeuronId("up", 12, "5", 300);
        assertEquals("L12.e5.up.300", expert.toString());
        assertEquals(expert, NeuronId.parse("L12.e5.up.300"));
        assertEquals(new NeuronId("down", 3, "shared", 0), NeuronId.parse("L3.shared.down.0"));
        assertEquals("L3.shared.down.0", new NeuronId("down", 3, "shared", 0).toString());
        assertNull(NeuronId.parse("L12.e05.up.300"));
        assertNull(NeuronId.parse("L12.e.up.300"));
        assertNull(NeuronId.parse("L12.up.e5.300"));
        assertThrows(IllegalArgumentException.class, () -> new NeuronId("up", 1, "e5", 1));
        assertThrows(IllegalArgumentException.class, () -> new NeuronId("up", -1, 1));
    }
}
