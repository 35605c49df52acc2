package io.neuronatlas.job;

import java.io.Serializable;

/** Where and how fast one shard was computed: a line of the run record, and all a task sends back. */
public record ShardReport(int shard, String matrix, int layer, int firstNeuron, int neurons, String executorId,
                          String host, String device, String engine, double readSeconds, double computeSeconds,
                          double writeSeconds) implements Serializable {
}
