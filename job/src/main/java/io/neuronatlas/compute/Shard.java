package io.neuronatlas.compute;

import io.neuronatlas.checkpoint.MlpMatrix;
import java.io.Serializable;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One task's work: neurons of one matrix in one layer, as ranges of its MLPs. A dense model's shard is one range; a
 * mixture of experts' shard may hold the end of one expert and the start of the next, or several small experts
 * whole. Plain data, shipped to executors.
 *
 * @param index  position in the plan; also the Spark partition that computes it
 * @param ranges in plan order
 */
public record Shard(int index, MlpMatrix matrix, int layer, List<NeuronRange> ranges) implements Serializable {
    public Shard {
        ranges = List.copyOf(ranges);
        if (index < 0 || layer < 0 || ranges.isEmpty()) {
            throw new IllegalArgumentException("invalid shard " + index + ": " + matrix + " layer " + layer
                    + " neurons " + ranges);
        }
    }

    /** Neurons [firstNeuron, firstNeuron + count) of a dense layer's MLP. */
    public Shard(int index, MlpMatrix matrix, int layer, int firstNeuron, int count) {
        this(index, matrix, layer, List.of(new NeuronRange(null, firstNeuron, count)));
    }

    /** The first neuron of the first range. */
    public int firstNeuron() {
        return ranges.get(0).first();
    }

    /** Neurons in all ranges. */
    public int count() {
        return ranges.stream().mapToInt(NeuronRange::count).sum();
    }

    @Override
    public String toString() {
        return matrix.label() + "/L" + layer + "/" + ranges.stream().map(NeuronRange::toString)
                .collect(Collectors.joining(","));
    }
}
