package io.neuronatlas.checkpoint.tokenizer;

/** Turns one vocabulary key (as stored in tokenizer.json) into the text it stands for. */
@FunctionalInterface
interface PieceDecoder {
    String decode(String piece);

    /** The byte a byte-fallback piece ({@code <0xNN>}) stands for, or -1 for a piece of text. */
    default int fallbackByte(String piece) {
        return -1;
    }
}
