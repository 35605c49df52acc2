package io.neuronatlas.compute.examples;

/**
 * Up to segment-length tokens of one document: the document prefix (BOS where the model expects one) and then the
 * next run of the document's text tokens. Segments never cross documents.
 *
 * @param file           the corpus file
 * @param document       the document within the file ({@link Example#document()})
 * @param documentId     the document's id from the corpus, null when it has none ({@link Example#documentId()})
 * @param index          the segment's index within the document
 * @param firstTextToken the index, among the document's text tokens, of the segment's first text token
 * @param prefix         how many tokens at the start are the document prefix (never candidates)
 * @param tokens         (positions) the segment's token ids, prefix included
 */
public record Segment(String file, long document, String documentId, int index, long firstTextToken, int prefix, int[] tokens) {
    public Segment {
        if (prefix < 0 || prefix >= tokens.length) {
            throw new IllegalArgumentException("a segment of " + tokens.length + " tokens needs text after its "
                    + prefix + " prefix tokens");
        }
    }

    /** Text tokens: the positions that are candidates. */
    public int textTokens() {
        return tokens.length - prefix;
    }
}
