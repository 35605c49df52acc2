package io.neuronatlas.checkpoint.tokenizer;

/**
 * Pieces of SentencePiece-style vocabularies (Llama-2, Mistral, T5): text with spaces written as
 * a visible marker ("▁" by default), plus byte-fallback pieces {@code <0xNN>} for bytes the
 * vocabulary has no text piece for.
 *
 * <p>The leading space is kept: the whole point of a display string is to tell " dog" from "dog".
 */
final class SentencePieceDecoder implements PieceDecoder {
    static final String DEFAULT_SPACE_MARKER = "\u2581";

    private final String spaceMarker;

    SentencePieceDecoder(String spaceMarker) {
        if (spaceMarker == null || spaceMarker.isEmpty()) {
            throw new IllegalArgumentException("space marker must not be empty");
        }
        this.spaceMarker = spaceMarker;
    }

    @Override
    public String decode(String piece) {
        int b = fallbackByte(piece);
        if (b >= 0) {
            // A byte above 0x7F is only part of a character; alone it has no text.
            return b < 0x80 ? String.valueOf((char) b) : "\uFFFD";
        }
        return piece.replace(spaceMarker, " ");
    }

    /**
     * The byte of a {@code <0xNN>} piece, or -1. SentencePiece reserves exactly this spelling for
     * byte pieces, so a text piece cannot be mistaken for one.
     */
    @Override
    public int fallbackByte(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int high = hexDigit(piece.charAt(3));
        int low = hexDigit(piece.charAt(4));
        return high < 0 || low < 0 ? -1 : high * 16 + low;
    }

    // Character.digit would also accept non-ASCII digits such as fullwidth ones.
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }
}
