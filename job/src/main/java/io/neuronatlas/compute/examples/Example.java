package io.neuronatlas.compute.examples;

import java.io.Serializable;
import java.util.Comparator;

/**
 * One position of one segment where a neuron was seen, with the window around it that a viewer shades.
 *
 * @param value       the neuron's activation at the position
 * @param priority    a hash of (neuron, position) for the random samples, non-negative; 0 for top examples
 * @param file        the corpus file, as its path
 * @param document    the document within the file: a JSON line's byte offset, a Parquet row's index, 0 for a text file
 * @param documentId  the document's id from the corpus (--id-field), null when it has none; not part of the place
 * @param segment     the segment's index within its document
 * @param position    the position within the segment (the document prefix, BOS, counted)
 * @param docPosition the position's index among the document's text tokens
 * @param windowStart the position within the segment of the window's first token
 * @param tokens      (window) token ids, from windowStart
 * @param activations (window) the neuron's activation at each window token
 */
public record Example(float value, long priority, String file, long document, String documentId, int segment, int position,
                      long docPosition, int windowStart, int[] tokens, float[] activations) implements Serializable {
    /** Largest activation first. */
    public static final Comparator<Example> LARGEST = (a, b) -> {
        int c = Double.compare(-a.value, -b.value);
        return c != 0 ? c : comparePlace(a, b);
    };
    /** Most negative activation first. */
    public static final Comparator<Example> SMALLEST = (a, b) -> {
        int c = Double.compare(a.value, b.value);
        return c != 0 ? c : comparePlace(a, b);
    };
    /** Smallest priority first: a uniform sample that does not depend on the order positions are seen in. */
    public static final Comparator<Example> SAMPLE = (a, b) -> {
        int c = Long.compare(a.priority, b.priority);
        return c != 0 ? c : comparePlace(a, b);
    };

    private static int comparePlace(Example a, Example b) {
        return comparePlace(a.file, a.document, a.segment, a.position, b.file, b.document, b.segment, b.position);
    }

    /**
     * The place order of two positions (file, document, segment, position): the tie-break of every example order,
     * also for heaps and candidates that hold places as primitives. Written out rather than chained, as heaps
     * compare in the hot loop.
     */
    static int comparePlace(String fileA, long documentA, int segmentA, int positionA, String fileB, long documentB,
                            int segmentB, int positionB) {
        int c = fileA.compareTo(fileB);
        if (c != 0) {
            return c;
        }
        c = Long.compare(documentA, documentB);
        if (c != 0) {
            return c;
        }
        c = Integer.compare(segmentA, segmentB);
        return c != 0 ? c : Integer.compare(positionA, positionB);
    }

    public Example {
        if (tokens.length != activations.length) {
            throw new IllegalArgumentException("a window has " + tokens.length + " tokens and "
                    + activations.length + " activations");
        }
    }

    /** The token at the extreme position. */
    public int token() {
        return tokens[position - windowStart];
    }

    /** The token after the extreme position in the segment, or -1 when the position ends the window. */
    public int nextToken() {
        int i = position - windowStart + 1;
        return i < tokens.length ? tokens[i] : -1;
    }
}
