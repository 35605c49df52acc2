package io.neuronatlas.compute;

import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.compute.device.Engines;
import io.neuronatlas.compute.projection.BatchResult;
import io.neuronatlas.compute.projection.Projector;
import java.io.IOException;

/** Computes one shard on an executor: reads its slice of one matrix batch by batch and projects it. */
public final class ShardComputer {
    /** The engine is the same for every task of a JVM; describe it once. */
    private static volatile String engineDescription;

    private final DeviceRule devices;

    public ShardComputer(DeviceRule devices) {
        this.devices = devices;
    }

    /** Receives each batch's results as soon as they are computed; a batch is neurons of one MLP or expert. */
    @FunctionalInterface
    public interface BatchSink {
        /** @param expert the expert the neurons belong to, null for a dense MLP */
        void accept(BatchResult batch, String expert, int firstNeuron) throws IOException;
    }

    public ShardReport compute(Shard shard, MapTask task, TaskEnvironment env, BatchSink sink) throws IOException {
        DeviceRule.DeviceChoice choice = devices.choose(task.device(), env.gpuAddress(), env.simulateGpuAsCpu());
        if (!choice.device().isGpu()) {
            Engines.limitCpuThreads(env.cpus());
        }
        Checkpoint checkpoint = ExecutorResources.checkpoint(task.source());
        int batch = Math.min(task.batchSize(), shard.count());
        float[] vectors = new float[batch * task.head().dModel()]; // (batch, d_model)
        long readNanos = 0;
        long computeNanos = 0;
        long writeNanos = 0;
        try (ExecutorResources.HeadLease lease = ExecutorResources.lmHead(task.source(), task.head(), choice.device());
             Projector projector = new Projector(lease.head(), task.topK(), task.watchTokenIdArray())) {
            for (NeuronRange range : shard.ranges()) {
                for (int done = 0; done < range.count(); done += batch) {
                    int n = Math.min(batch, range.count() - done);
                    int first = range.first() + done;
                    long t0 = System.nanoTime();
                    checkpoint.readNeurons(shard.matrix(), shard.layer(), range.expert(), first, n, vectors);
                    long t1 = System.nanoTime();
                    BatchResult result = projector.project(vectors, n);
                    FiniteResults.check(result, shard, range.expert(), first,
                            checkpoint.neurons(shard.matrix(), shard.layer(), range.expert()));
                    long t2 = System.nanoTime();
                    sink.accept(result, range.expert(), first);
                    readNanos += t1 - t0;
                    computeNanos += t2 - t1;
                    writeNanos += System.nanoTime() - t2;
                }
            }
        }
        return new ShardReport(shard.index(), shard.matrix().label(), shard.layer(), shard.firstNeuron(),
                shard.count(), shard.toString(), env.executorId(), env.host(), choice.label(),
                env.gpuAddress().orElse(null), engine(), readNanos / 1e9, computeNanos / 1e9, writeNanos / 1e9,
                ProcessMemory.peakRssBytes());
    }

    private static String engine() {
        String description = engineDescription;
        if (description == null) {
            description = Engines.probe().describe();
            engineDescription = description;
        }
        return description;
    }
}
