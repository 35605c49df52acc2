package io.neuronatlas.compute.examples;

import java.io.Serializable;
import java.util.Arrays;

/**
 * How examples are collected, as plain data shipped to executors; the values come checked from the job's options
 * (ExamplesOptions).
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
    public static final int BEFORE = 32;
    public static final int AFTER = 31;

    public ExampleSettings {
        layers = layers.clone();
        Arrays.sort(layers);
        if (layers.length == 0) {
            throw new IllegalArgumentException("no layers to capture");
        }
        if (dMlp < 1) {
            throw new IllegalArgumentException("d_mlp must be positive, found " + dMlp);
        }
    }

    /** Window tokens at most: before + 1 + after. */
    public int window() {
        return before + 1 + after;
    }
}
