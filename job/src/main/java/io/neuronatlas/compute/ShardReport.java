package io.neuronatlas.compute;

import java.io.Serializable;

/**
 * Where and how fast one shard was computed: a line of the run record, and all a task sends back.
 *
 * @param firstNeuron  the first neuron of the shard's first range
 * @param neurons      neurons in all its ranges
 * @param ranges       the shard's neurons, expert by expert: "up/L3/0-511", "up/L3/e0:0-767,e1:0-255"
 * @param device       what the task computed on, as the run record shows it: {@code cpu()}, {@code gpu(0)}, or
 *                     {@code cpu (simulated gpu:0)} on a loopback cluster with made-up GPUs
 * @param gpuAddress   the GPU address Spark assigned the task, null when it scheduled none
 * @param peakRssBytes the executor JVM's peak resident memory (VmHWM) when the task ended, -1 where unknown
 */
public record ShardReport(int shard, String matrix, int layer, int firstNeuron, int neurons, String ranges,
                          String executorId,
                          String host, String device, String gpuAddress, String engine, double readSeconds,
                          double computeSeconds, double writeSeconds, long peakRssBytes) implements Serializable {
}
