package io.neuronatlas.checkpoint.tokenizer;

import java.util.Locale;

/**
 * Where a vocabulary id comes from. SentencePiece vocabularies with byte fallback hold both the piece "y" and the byte
 * piece {@code <0x79>}, which render the same text; the model emits the piece, so a target text prefers kinds in this
 * order (see {@link TargetResolver}).
 */
public enum TokenKind {
    /** A piece of text of model.vocab. */
    PIECE,
    /** A byte-fallback piece {@code <0xNN>}: one byte, used only for text the vocabulary has no piece for. */
    BYTE,
    /** An added token (special or not), matched on its literal content. */
    ADDED,
    /** An LM head row past the tokenizer's ids (padding). */
    UNUSED;

    /** As the atlas's tokens table and the viewer name it: piece, byte, added, unused. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
