package io.neuronatlas.compute;

import ai.djl.Device;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.compute.device.DeviceSelector;
import io.neuronatlas.compute.device.Engines;
import io.neuronatlas.compute.projection.BatchResult;
import io.neuronatlas.compute.projection.Projector;
import io.neuronatlas.plan.MapSpec;
import io.neuronatlas.plan.Shard;
import java.io.IOException;
import java.util.Optional;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/** Computes one shard on an executor: reads its slice of one matrix batch by batch and projects it. */
public final class ShardComputer {
    /** The engine is the same for every task of a JVM; describe it once. */
    private static volatile String engineDescription;

    private final DeviceSelector selector;

    public ShardComputer(DeviceSelector selector) {
        this.selector = selector;
    }

    /** Receives each batch's results as soon as they are computed. */
    @FunctionalInterface
    public interface BatchSink {
        void accept(BatchResult batch, int firstNeuron) throws IOException;
    }

    public ShardReport compute(Shard shard, MapSpec spec, BatchSink sink) throws IOException {
        TaskContext task = TaskContext.get();
        Optional<String> gpuAddress = assignedGpu(task);
        DeviceSelector.DeviceChoice choice = selector.choose(spec.device(), gpuAddress, simulatesGpuAsCpu());
        Device device = choice.device();
        if (!device.isGpu()) {
            Engines.limitCpuThreads(task == null ? Runtime.getRuntime().availableProcessors() : task.cpus());
        }
        Checkpoint checkpoint = ExecutorResources.checkpoint(spec);
        int batch = Math.min(spec.batchSize(), shard.count());
        float[] vectors = new float[batch * spec.dModel()]; // (batch, d_model)
        long readNanos = 0;
        long computeNanos = 0;
        long writeNanos = 0;
        try (ExecutorResources.HeadLease lease = ExecutorResources.lmHead(spec, device);
             Projector projector = new Projector(lease.head(), spec.topK(),
                     spec.watch().stream().mapToInt(Integer::intValue).toArray())) {
            for (int done = 0; done < shard.count(); done += batch) {
                int n = Math.min(batch, shard.count() - done);
                long t0 = System.nanoTime();
                checkpoint.readNeurons(shard.matrix(), shard.layer(), shard.firstNeuron() + done, n, vectors);
                long t1 = System.nanoTime();
                BatchResult result = projector.project(vectors, n);
                long t2 = System.nanoTime();
                sink.accept(result, shard.firstNeuron() + done);
                readNanos += t1 - t0;
                computeNanos += t2 - t1;
                writeNanos += System.nanoTime() - t2;
            }
        }
        SparkEnv env = SparkEnv.get();
        return new ShardReport(shard.index(), shard.matrix().label(), shard.layer(), shard.firstNeuron(),
                shard.count(), env == null ? "driver" : env.executorId(), hostName(), choice.label(),
                gpuAddress.orElse(null), engine(), readNanos / 1e9, computeNanos / 1e9, writeNanos / 1e9,
                ProcessMemory.peakRssBytes());
    }

    /** Whether this executor runs a loopback cluster's made-up GPUs on the CPU; see the setting's documentation. */
    private static boolean simulatesGpuAsCpu() {
        SparkEnv env = SparkEnv.get();
        return env != null && env.conf().getBoolean(DeviceSelector.SIMULATE_GPU_AS_CPU, false);
    }

    static Optional<String> assignedGpu(TaskContext task) {
        if (task == null) {
            return Optional.empty();
        }
        ResourceInformation gpu = task.resourcesJMap().get("gpu");
        if (gpu == null || gpu.addresses().length == 0) {
            return Optional.empty();
        }
        return Optional.of(gpu.addresses()[0]);
    }

    private static String engine() {
        String description = engineDescription;
        if (description == null) {
            description = Engines.probe().describe();
            engineDescription = description;
        }
        return description;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
