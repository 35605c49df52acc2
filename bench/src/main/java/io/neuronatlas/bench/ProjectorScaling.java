package io.neuronatlas.bench;

import ai.djl.Device;
import io.neuronatlas.compute.device.Engines;
import io.neuronatlas.compute.projection.LmHead;
import io.neuronatlas.compute.projection.Projector;
import java.util.SplittableRandom;

/**
 * How much faster this machine projects with two single-threaded workers than with one: the projector alone (no
 * Spark, no I/O) on one Java thread, then on two at once, each with one torch thread. That ratio is the most any
 * 2-executor map can gain here; cores that share memory bandwidth or a physical core give less than 2.
 */
final class ProjectorScaling {
    private ProjectorScaling() {
    }

    /** The measured rates, in neurons per second. */
    record Rates(double oneThread, double twoThreads) {
        double ratio() {
            return twoThreads / oneThread;
        }
    }

    static Rates measure(int vocab, int dModel, int batchSize, int batchesPerThread) throws Exception {
        Engines.limitCpuThreads(1);
        float[] vectors = new float[batchSize * dModel]; // (batch, d_model)
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = (float) (random.nextDouble() - 0.5) * 0.07f;
        }
        try (LmHead head = LmHead.load(Device.cpu(), vocab, dModel, (first, count, dst) -> {
            SplittableRandom r = new SplittableRandom(first);
            for (int i = 0; i < count * dModel; i++) {
                dst[i] = (float) (r.nextDouble() * 2 - 1);
            }
        })) {
            seconds(head, vectors, batchSize, 1, 1); // warm-up: libtorch kernels, page faults
            double one = batchesPerThread * batchSize / seconds(head, vectors, batchSize, 1, batchesPerThread);
            double two = 2.0 * batchesPerThread * batchSize / seconds(head, vectors, batchSize, 2, batchesPerThread);
            return new Rates(one, two);
        }
    }

    private static double seconds(LmHead head, float[] vectors, int batchSize, int threads, int batches)
            throws Exception {
        return Benchmarks.seconds(threads, thread -> {
            try (Projector projector = new Projector(head, 20)) {
                for (int b = 0; b < batches; b++) {
                    projector.project(vectors, batchSize);
                }
            }
        });
    }
}
