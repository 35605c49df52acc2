package io.neuronatlas.compute.examples;

import io.neuronatlas.checkpoint.tokenizer.PromptEncoder;
import java.io.IOException;
import java.io.Reader;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Cuts a document into {@link Segment}s as it reads it: text is read and tokenized in pieces of at most
 * {@link #PIECE_CHARS} characters, each cut before a whitespace character (a piece boundary inside a word would split
 * it), so a document of any length is never in memory whole; at most one piece of tokens and one segment are. Every
 * segment starts with the tokenizer's document prefix (the BOS token where the model expects one), so every segment
 * is read as a document start is; its other tokens are the document's next text tokens.
 *
 * <p>Pieces are tokenized on their own, so a document longer than one piece may tokenize differently at a piece
 * boundary than it would whole (a run of whitespace split in two); documents up to a piece's length are exact.
 */
public final class Segmenter {
    /** Characters per tokenizer call: 64 Ki, so that most documents are tokenized whole. */
    public static final int PIECE_CHARS = 1 << 16;

    private final PromptEncoder encoder;
    private final int segmentLength;
    private final int[] prefix;

    public Segmenter(PromptEncoder encoder, int segmentLength) {
        this.encoder = encoder;
        this.segmentLength = segmentLength;
        this.prefix = encoder.documentPrefix();
        if (prefix.length >= segmentLength) {
            throw new IllegalArgumentException("--segment " + segmentLength + " leaves no room for text after the "
                    + prefix.length + " tokens every document starts with");
        }
    }

    /** Tokens every segment starts with. */
    public int[] prefix() {
        return prefix.clone();
    }

    /**
     * Reads text to its end or until {@code limit} text tokens, handing segments to sink in order.
     *
     * @return the document's text tokens segmented (at most limit)
     */
    public long segment(String file, long document, String documentId, Reader text, long limit,
                        Consumer<Segment> sink)
            throws IOException {
        int perSegment = segmentLength - prefix.length;
        int[] pending = new int[perSegment];
        int filled = 0;
        long done = 0;
        int index = 0;
        char[] buffer = new char[PIECE_CHARS];
        int held = 0;
        boolean end = false;
        while (!end && done + filled < limit) {
            int read = text.read(buffer, held, buffer.length - held);
            if (read < 0) {
                end = true;
            } else {
                held += read;
                if (held < buffer.length) {
                    continue;
                }
            }
            int cut = end ? held : cutPoint(buffer, held);
            int[] ids = encoder.encodePiece(new String(buffer, 0, cut));
            System.arraycopy(buffer, cut, buffer, 0, held - cut);
            held -= cut;
            for (int id : ids) {
                if (done + filled >= limit) {
                    break;
                }
                pending[filled++] = id;
                if (filled == perSegment) {
                    sink.accept(segment(file, document, documentId, index++, done, pending, filled));
                    done += filled;
                    filled = 0;
                }
            }
        }
        if (filled > 0) {
            sink.accept(segment(file, document, documentId, index, done, pending, filled));
            done += filled;
        }
        return done;
    }

    private Segment segment(String file, long document, String documentId, int index, long first, int[] pending,
                            int filled) {
        int[] tokens = Arrays.copyOf(prefix, prefix.length + filled);
        System.arraycopy(pending, 0, tokens, prefix.length, filled);
        return new Segment(file, document, documentId, index, first, prefix.length, tokens);
    }

    /** Before the last whitespace of a full buffer; else its end, never between the halves of a surrogate pair. */
    private static int cutPoint(char[] buffer, int held) {
        for (int i = held - 1; i > 0; i--) {
            if (Character.isWhitespace(buffer[i])) {
                return i;
            }
        }
        return Character.isHighSurrogate(buffer[held - 1]) ? held - 1 : held;
    }
}
