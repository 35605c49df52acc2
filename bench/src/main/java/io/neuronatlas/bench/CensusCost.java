package io.neuronatlas.bench;

import io.neuronatlas.compute.projection.LmHead;
import io.neuronatlas.compute.projection.Projector;

/**
 * What the census columns cost the map: the projector with and without its census moments on the same head and
 * vectors, in alternating rounds so that load from elsewhere on the machine falls on both alike; each way's best
 * round counts. The projector is where the whole cost lies (the census adds four floats and a string a row to the
 * neurons file), so its ratio bounds the map's from below.
 */
final class CensusCost {
    static final int ROUNDS = 3;

    private CensusCost() {
    }

    /** Neurons per second with and without the census. */
    record Rates(double with, double without) {
        double ratio() {
            return with / without;
        }
    }

    static Rates measure(LmHead head, float[] vectors, int batchSize) throws Exception {
        int neurons = vectors.length / head.dModel();
        double best = Double.MAX_VALUE;
        double bestWithout = Double.MAX_VALUE;
        seconds(head, vectors, neurons, batchSize, true); // warm-up
        for (int round = 0; round < ROUNDS; round++) {
            best = Math.min(best, seconds(head, vectors, neurons, batchSize, true));
            bestWithout = Math.min(bestWithout, seconds(head, vectors, neurons, batchSize, false));
        }
        return new Rates(neurons / best, neurons / bestWithout);
    }

    private static double seconds(LmHead head, float[] vectors, int neurons, int batchSize, boolean census) {
        long t0 = System.nanoTime();
        try (Projector projector = new Projector(head, 20, new int[0], census)) {
            for (int first = 0; first < neurons; first += batchSize) {
                int n = Math.min(batchSize, neurons - first);
                float[] batch = new float[n * head.dModel()];
                System.arraycopy(vectors, first * head.dModel(), batch, 0, batch.length);
                projector.project(batch, n);
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
