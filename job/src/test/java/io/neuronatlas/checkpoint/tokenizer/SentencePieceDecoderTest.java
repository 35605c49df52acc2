package io.neuronatlas.checkpoint.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SentencePieceDecoderTest {
    private final SentencePieceDecoder decoder = new SentencePieceDecoder("\u2581");

    @Test
    void spaceMarkerBecomesSpaceIncludingTheLeadingOne() {
        assertEquals(" dog", decoder.decode("\u2581dog"));
        assertEquals("  ", decoder.decode("\u2581\u2581"));
        assertEquals("dog", decoder.decode("dog"));
        assertEquals(" New York", decoder.decode("\u2581New\u2581York"));
    }

    @Test
    void bytePiecesAreSingleBytes() {
        assertEquals("\n", decoder.decode("<0x0A>"));
        assertEquals("A", decoder.decode("<0x41>"));
        assertEquals("\u0000", decoder.decode("<0x00>"));
        assertEquals("\u007F", decoder.decode("<0x7f>"));
        assertEquals("\uFFFD", decoder.decode("<0xE4>"), "half a character has no text of its own");
        assertEquals("\uFFFD", decoder.decode("<0x80>"));
    }

    @Test
    void lookalikesOfBytePiecesStayText() {
        assertEquals("<0xG1>", decoder.decode("<0xG1>"));
        assertEquals("<0x0A0>", decoder.decode("<0x0A0>"));
        assertEquals("<0x\uFF11\uFF12>", decoder.decode("<0x\uFF11\uFF12>"), "fullwidth digits are not hex");
    }

    @Test
    void otherMarkersAreHonoured() {
        assertEquals(" dog", new SentencePieceDecoder("_").decode("_dog"));
    }
}
