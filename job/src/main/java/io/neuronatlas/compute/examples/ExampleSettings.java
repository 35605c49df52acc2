package io.neuronatlas.compute.examples;

import io.neuronatlas.checkpoint.MlpBlock;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * How examples are collected, as plain data shipped to executors; the values come checked from the job's options
 * (ExamplesOptions).
 *
 * @param layers        the layers captured, ascending
 * @param mlps          (layers) each layer's MLPs as the model's config has them: one dense MLP, or a mixture's
 *                      experts (and its shared expert); every MLP's neurons are examined
 * @param segment       tokens per segment, document prefix included
 * @param top           examples kept per neuron and sign
 * @param sample        the uniform sample kept per neuron, from which quantile-band examples are drawn
 * @param before        window tokens kept before the extreme position
 * @param after         window tokens kept after it
 * @param batch         segments per forward pass
 */
public record ExampleSettings(int[] layers, List<List<MlpBlock>> mlps, int segment, int top, int sample, int before,
                              int after, int batch) implements Serializable {
    public static final int BEFORE = 32;
    public static final int AFTER = 31;

    public ExampleSettings {
        layers = layers.clone();
        mlps = mlps.stream().map(List::copyOf).toList();
        if (layers.length == 0) {
            throw new IllegalArgumentException("no layers to capture");
        }
        for (int i = 1; i < layers.length; i++) {
            if (layers[i] <= layers[i - 1]) {
                throw new IllegalArgumentException("layers " + Arrays.toString(layers) + " must be ascending and "
                        + "distinct");
            }
        }
        if (mlps.size() != layers.length || mlps.stream().anyMatch(List::isEmpty)) {
            throw new IllegalArgumentException(layers.length + " layers need their MLPs, found " + mlps.size()
                    + " lists");
        }
    }

    /** A dense model's settings: every layer one MLP of dMlp neurons. */
    public ExampleSettings(int[] layers, int dMlp, int segment, int top, int sample, int before, int after,
                           int batch) {
        this(sorted(layers), Collections.nCopies(layers.length, List.of(MlpBlock.dense(dMlp))), segment, top, sample,
                before, after, batch);
    }

    private static int[] sorted(int[] layers) {
        int[] s = layers.clone();
        Arrays.sort(s);
        return s;
    }

    /** A dense model's d_mlp: the width of every layer's one MLP. */
    public int dMlp() {
        int d = mlps.get(0).get(0).width();
        for (List<MlpBlock> layer : mlps) {
            if (layer.size() != 1 || !layer.get(0).isDense() || layer.get(0).width() != d) {
                throw new IllegalStateException("the layers' MLPs " + mlps + " are not one dense MLP of one width");
            }
        }
        return d;
    }

    /** Neurons examined: every MLP's of every layer. */
    public long neurons() {
        return mlps.stream().flatMap(List::stream).mapToLong(MlpBlock::width).sum();
    }

    /** Window tokens at most: before + 1 + after. */
    public int window() {
        return before + 1 + after;
    }
}
