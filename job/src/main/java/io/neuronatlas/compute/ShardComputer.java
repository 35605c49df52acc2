package io.neuronatlas.compute;

import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.compute.device.Engines;
import io.neuronatlas.compute.projection.BatchResult;
import io.neuronatlas.compute.projection.Projector;
import io.neuronatlas.plan.MapTask;
import io.neuronatlas.plan.Shard;
import java.io.IOException;

/** Computes one shard on an executor: reads its slice of one matrix batch by batch and projects it. */
public final class ShardComputer {
    /** The engine is the same for every task of a JVM; describe it once. */
    private static volatile String engineDescription;

    private final DeviceRule devices;

    public ShardComputer(DeviceRule devices) {
        this.devices = devices;
    }

    /** Receives each batch's results as soon as they are computed. */
    @FunctionalInterface
    public interface BatchSink {
        void accept(BatchResult batch, int firstNeuron) throws IOException;
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
            for (int done = 0; done < shard.count(); done += batch) {
                int n = Math.min(batch, shard.count() - done);
                long t0 = System.nanoTime();
                checkpoint.readNeurons(shard.matrix(), shard.layer(), shard.firstNeuron() + done, n, vectors);
                long t1 = System.nanoTime();
                BatchResult result = projector.project(vectors, n);
                FiniteResults.check(result, shard, shard.firstNeuron() + done,
                        checkpoint.architecture().mlpWeight(shard.matrix(), shard.layer()));
                long t2 = System.nanoTime();
                sink.accept(result, shard.firstNeuron() + done);
                readNanos += t1 - t0;
                computeNanos += t2 - t1;
                writeNanos += System.nanoTime() - t2;
            }
        }
        return new ShardReport(shard.index(), shard.matrix().label(), shard.layer(), shard.firstNeuron(),
                shard.count(), env.executorId(), env.host(), choice.label(), env.gpuAddress().orElse(null), engine(),
                readNanos / 1e9, computeNanos / 1e9, writeNanos / 1e9, ProcessMemory.peakRssBytes());
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
