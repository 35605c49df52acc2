package io.neuronatlas.checkpoint.tokenizer;

/** Turns one vocabulary key (as stored in tokenizer.json) into the text it stands for. */
@FunctionalInterface
interface PieceDecoder {
    String decode(String piece);
}
