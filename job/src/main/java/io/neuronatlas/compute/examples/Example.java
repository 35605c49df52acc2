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
 * @param segment     the segment's index within its document
 * @param position    the position within the segment (the document prefix, BOS, counted)
 * @param docPosition the position's index among the document's text tokens
 * @param windowStart the position within the segment of the window's first token
 * @param tokens      (window) token ids, from windowStart
 * @param activations (window) the neuron's activation at each window token
 */
public record Example(float value, long priority, String file, long document, int segment, int position,
                      long docPosition, int windowStart, int[] tokens, float[] activations) implements Serializable {
    /** Where the example is: the deterministic tie-break of equal values. */
    static final Comparator<Example> PLACE = Comparator.comparing(Example::file).thenComparingLong(Example::document)
            .thenComparingInt(Example::segment).thenComparingInt(Example::position);
    /** Largest activation first. */
    public static final Comparator<Example> LARGEST = Comparator.comparingDouble((Example e) -> -e.value)
            .thenComparing(PLACE);
    /** Most negative activation first. */
    public static final Comparator<Example> SMALLEST = Comparator.comparingDouble(Example::value)
            .thenComparing(PLACE);
    /** Smallest priority first: a uniform sample that does not depend on the order positions are seen in. */
    public static final Comparator<Example> SAMPLE = Comparator.comparingLong(Example::priority).thenComparing(PLACE);

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
