package io.neuronatlas.job;

import io.neuronatlas.projection.BatchResult;
import java.io.Serializable;
import java.util.List;

/**
 * What one task brings back for one shard: its batches' small results, in neuron order, and where and how fast it
 * ran. Batches cover [shard.firstNeuron, shard.firstNeuron + shard.count) in order.
 */
public record ShardResult(Shard shard, List<BatchResult> batches, String executorId, String host, String device,
                          String engine, long readNanos, long computeNanos) implements Serializable {

    /** A line of the run record. */
    public record Summary(int shard, String matrix, int layer, int firstNeuron, int neurons, String executorId,
                          String host, String device, String engine, double readSeconds, double computeSeconds)
            implements Serializable {
    }

    public Summary summary() {
        return new Summary(shard.index(), shard.matrix().label(), shard.layer(), shard.firstNeuron(), shard.count(),
                executorId, host, device, engine, readNanos / 1e9, computeNanos / 1e9);
    }
}
