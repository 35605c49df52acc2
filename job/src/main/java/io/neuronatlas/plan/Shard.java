package io.neuronatlas.plan;

import io.neuronatlas.checkpoint.MlpMatrix;
import java.io.Serializable;

/**
 * One task's work: a contiguous range of neurons of one matrix in one layer. Plain data, shipped to executors.
 *
 * @param index       position in the plan; also the Spark partition that computes it
 * @param firstNeuron first neuron of the range
 * @param count       neurons in the range
 */
public record Shard(int index, MlpMatrix matrix, int layer, int firstNeuron, int count) implements Serializable {
    public Shard {
        if (index < 0 || layer < 0 || firstNeuron < 0 || count <= 0) {
            throw new IllegalArgumentException("invalid shard " + index + ": " + matrix + " layer " + layer
                    + " neurons " + firstNeuron + "+" + count);
        }
    }

    @Override
    public String toString() {
        return matrix.label() + "/L" + layer + "/" + firstNeuron + "-" + (firstNeuron + count - 1);
    }
}
