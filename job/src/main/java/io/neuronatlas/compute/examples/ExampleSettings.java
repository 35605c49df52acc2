package io.neuronatlas.compute.examples;

import java.io.Serializable;
import java.util.Arrays;

/**
 * How examples are collected, as plain data shipped to executors.
 *
 * @param layers        the layers captured, ascending
 * @param dMlp          neurons per layer
 * @param segment       tokens per segment, document prefix included
 * @param top           examples kept per neuron and sign
 * @param sample        the uniform sample kept per neuron, from which quantile-band examples are drawn
 * @param before        window tokens kept before the extreme position
 * @param after         window tokens kept after it
 * @param batch         segments per forward pass
 */
public record ExampleSettings(int[] layers, int dMlp, int segment, int top, int sample, int before, int after,
                              int batch) implements Serializable {
    public static final int DEFAULT_SEGMENT = 128;
    public static final int DEFAULT_TOP = 32;
    public static final int DEFAULT_SAMPLE = 16;
    public static final int BEFORE = 32;
    public static final int AFTER = 31;
    public static final int DEFAULT_BATCH = 16;

    public ExampleSettings {
        layers = layers.clone();
        Arrays.sort(layers);
        if (layers.length == 0) {
            throw new IllegalArgumentException("no layers to capture");
        }
        if (segment < 2) {
            throw new IllegalArgumentException("--segment must be at least 2 tokens, found " + segment);
        }
        if (top < 1) {
            throw new IllegalArgumentException("--top must be positive, found " + top);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("--batch-size must be positive, found " + batch);
        }
        if (sample < 0 || before < 0 || after < 0 || dMlp < 1) {
            throw new IllegalArgumentException("sample, window and d_mlp must not be negative");
        }
    }

    /** Window tokens at most: before + 1 + after. */
    public int window() {
        return before + 1 + after;
    }
}
