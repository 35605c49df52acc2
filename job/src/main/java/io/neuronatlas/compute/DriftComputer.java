package io.neuronatlas.compute;

import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.compute.device.Engines;
import io.neuronatlas.compute.projection.BatchResult;
import io.neuronatlas.compute.projection.Divergence;
import io.neuronatlas.compute.projection.Projector;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Computes one shard of a drift run on an executor: reads the same neurons of both checkpoints batch by batch, ranks
 * each through its own LM head with the map's {@link Projector} (so top tokens agree with the two maps), and compares
 * their full vocabulary distributions on the device ({@link Divergence}); only a row a neuron leaves the task.
 */
public final class DriftComputer {
    private final DeviceRule devices;

    public DriftComputer(DeviceRule devices) {
        this.devices = devices;
    }

    /** Receives each batch's rows as soon as they are computed. */
    @FunctionalInterface
    public interface RowSink {
        void accept(List<NeuronDrift> rows) throws IOException;
    }

    public void compute(Shard shard, DriftTask task, TaskEnvironment env, RowSink sink) throws IOException {
        DeviceRule.DeviceChoice choice = devices.choose(task.base().device(), env.gpuAddress(),
                env.simulateGpuAsCpu());
        if (!choice.device().isGpu()) {
            Engines.limitCpuThreads(env.cpus());
        }
        Checkpoint base = ExecutorResources.checkpoint(task.base().source());
        Checkpoint other = ExecutorResources.checkpoint(task.checkpoint().source());
        int d = task.base().head().dModel();
        int topK = task.base().topK();
        int batch = Math.min(task.base().batchSize(), shard.count());
        float[] baseVectors = new float[batch * d]; // (batch, d_model)
        float[] vectors = new float[batch * d]; // (batch, d_model)
        try (ExecutorResources.HeadLease baseHead = ExecutorResources.lmHead(task.base().source(),
                task.base().head(), choice.device());
             ExecutorResources.HeadLease head = ExecutorResources.lmHead(task.checkpoint().source(),
                     task.checkpoint().head(), choice.device());
             Projector baseProjector = new Projector(baseHead.head(), topK, new int[0], false);
             Projector projector = new Projector(head.head(), topK, new int[0], false)) {
            for (NeuronRange range : shard.ranges()) {
                for (int done = 0; done < range.count(); done += batch) {
                    int n = Math.min(batch, range.count() - done);
                    int first = range.first() + done;
                    base.readNeurons(shard.matrix(), shard.layer(), range.expert(), first, n, baseVectors);
                    other.readNeurons(shard.matrix(), shard.layer(), range.expert(), first, n, vectors);
                    BatchResult a = baseProjector.project(baseVectors, n);
                    BatchResult b = projector.project(vectors, n);
                    Divergence.Rows divergence = Divergence.of(baseHead.head(), baseVectors, head.head(), vectors,
                            n);
                    List<NeuronDrift> rows = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        rows.add(new NeuronDrift(first + i, cosine(baseVectors, vectors, i, d), a.norm(i),
                                b.norm(i), divergence.kl()[i], divergence.klReverse()[i],
                                divergence.jsDistance()[i], a.tokenId(i, 0, 0) == b.tokenId(i, 0, 0),
                                jaccard(a, b, i, BatchResult.POSITIVE), jaccard(a, b, i, BatchResult.NEGATIVE),
                                a.tokenId(i, 0, 0), b.tokenId(i, 0, 0), a.tokenId(i, 1, 0), b.tokenId(i, 1, 0)));
                    }
                    sink.accept(rows);
                }
            }
        }
    }

    /** Cosine of row i of a and b, in double; 1 when both are zero, 0 when one is. */
    static double cosine(float[] a, float[] b, int i, int d) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int j = i * d; j < (i + 1) * d; j++) {
            ab += (double) a[j] * b[j];
            aa += (double) a[j] * a[j];
            bb += (double) b[j] * b[j];
        }
        if (aa == 0 || bb == 0) {
            return aa == bb ? 1 : 0;
        }
        return Math.min(1, Math.max(-1, ab / Math.sqrt(aa * bb)));
    }

    /** Jaccard index of neuron i's top-k sets of one polarity in a and b. */
    static double jaccard(BatchResult a, BatchResult b, int i, int polarity) {
        Set<Integer> first = new HashSet<>();
        Set<Integer> union = new HashSet<>();
        for (int r = 0; r < a.topK(); r++) {
            first.add(a.tokenId(i, polarity, r));
            union.add(a.tokenId(i, polarity, r));
        }
        int shared = 0;
        for (int r = 0; r < b.topK(); r++) {
            int id = b.tokenId(i, polarity, r);
            shared += first.contains(id) ? 1 : 0;
            union.add(id);
        }
        return (double) shared / union.size();
    }
}
