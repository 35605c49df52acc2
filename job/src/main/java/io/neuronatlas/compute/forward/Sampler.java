package io.neuronatlas.compute.forward;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits in Java, so the same seed gives the same tokens on any engine and device:
 * greedy argmax at temperature 0, else softmax(logits / temperature) restricted to the top-p nucleus.
 */
final class Sampler {
    private Sampler() {
    }

    static int next(float[] logits, GenerationOptions options, SplittableRandom random) {
        if (options.greedy()) {
            return argmax(logits);
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] weights = new double[logits.length];
        double total = 0;
        for (int i = 0; i < logits.length; i++) {
            weights[i] = Math.exp((logits[i] - max) / options.temperature());
            total += weights[i];
        }
        int[] order = options.topP() < 1 ? byWeightDescending(weights) : null;
        int kept = order == null ? logits.length : nucleus(weights, order, total * options.topP());
        double mass = 0;
        for (int r = 0; r < kept; r++) {
            mass += weights[order == null ? r : order[r]];
        }
        double u = random.nextDouble() * mass;
        int last = 0;
        for (int r = 0; r < kept; r++) {
            int id = order == null ? r : order[r];
            if (weights[id] > 0) {
                last = id;
                u -= weights[id];
                if (u < 0) {
                    return id;
                }
            }
        }
        return last; // rounding left u a hair above zero: the last token with weight
    }

    /** The lowest id among the highest logits. */
    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** How many of the most likely tokens it takes to reach the wanted mass; at least one. */
    private static int nucleus(double[] weights, int[] order, double wanted) {
        double cumulative = 0;
        for (int r = 0; r < order.length; r++) {
            cumulative += weights[order[r]];
            if (cumulative >= wanted) {
                return r + 1;
            }
        }
        return order.length;
    }

    /** Ids by weight, highest first, lower ids first among equal weights; sorts primitive keys, not boxed ids. */
    private static int[] byWeightDescending(double[] weights) {
        long[] keys = new long[weights.length];
        for (int i = 0; i < weights.length; i++) {
            // Weights lie in [0, 1] after the max shift, where float bits order like the values.
            int bits = Float.floatToIntBits((float) weights[i]);
            keys[i] = ((long) (Integer.MAX_VALUE - bits) << 32) | i;
        }
        Arrays.sort(keys);
        int[] order = new int[weights.length];
        for (int i = 0; i < keys.length; i++) {
            order[i] = (int) keys[i];
        }
        return order;
    }
}
