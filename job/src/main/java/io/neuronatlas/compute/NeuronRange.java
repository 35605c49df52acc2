package io.neuronatlas.compute;

import io.neuronatlas.checkpoint.MlpBlock;
import java.io.Serializable;

/**
 * Consecutive neurons of one MLP of a layer: neurons [first, first + count) of its dense MLP (expert null) or of one
 * expert ({@link MlpBlock#expert()}).
 */
public record NeuronRange(String expert, int first, int count) implements Serializable {
    public NeuronRange {
        if (first < 0 || count <= 0) {
            throw new IllegalArgumentException("invalid neuron range " + first + "+" + count);
        }
        if (expert != null) {
            new MlpBlock(expert, 1); // validates the label
        }
    }

    @Override
    public String toString() {
        String where = expert == null ? "" : MlpBlock.SHARED.equals(expert) ? expert + ":" : "e" + expert + ":";
        return where + first + "-" + (first + count - 1);
    }
}
