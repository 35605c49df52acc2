package io.neuronatlas.compute;

import io.neuronatlas.checkpoint.CheckpointException;
import io.neuronatlas.checkpoint.NeuronSource;
import io.neuronatlas.compute.projection.BatchResult;
import java.util.Locale;

/**
 * The map writes finite numbers only. Finite weights can still overflow float32 on the way (a large vector's norm,
 * its scores, their sum of squares), and a NaN or infinite score would rank first in every query; so a batch holding
 * any non-finite score, probability or statistic fails its shard with an error naming the neuron.
 */
final class FiniteResults {
    private FiniteResults() {
    }

    /**
     * @param expert      the expert the batch was read from, null in a dense model
     * @param firstNeuron the neuron of the batch's row 0
     * @param source      where the batch was read from, for the message
     * @throws CheckpointException naming matrix, layer, neuron, the first non-finite value and the tensor
     */
    static void check(BatchResult b, Shard shard, String expert, int firstNeuron, NeuronSource source)
            throws CheckpointException {
        for (int n = 0; n < b.count(); n++) {
            String bad = firstNonFinite(b, n);
            if (bad != null) {
                int neuron = firstNeuron + n;
                throw new CheckpointException(String.format(Locale.ROOT, "%s layer %d%s neuron %d: %s; its scores "
                                + "overflow float32 (the neuron's vector has norm %s), and the map writes finite "
                                + "numbers only: check %s %d of tensor '%s'%s", shard.matrix().label(), shard.layer(),
                        expert == null ? "" : " expert " + expert, neuron, bad, b.norm(n),
                        source.neuronIsRow() ? "row" : "column", source.position(neuron), source.tensor(),
                        source.slab() < 0 ? "" : " (slab " + source.slab() + ")"));
            }
        }
    }

    /** "std_score is Infinity", or null when every value of row n is finite. */
    private static String firstNonFinite(BatchResult b, int n) {
        float[] statistics = {b.norm(n), b.maxScore(n), b.minScore(n), b.meanScore(n), b.stdScore(n), b.entropy(n),
            b.logsumexp(n, 0), b.logsumexp(n, 1), b.topMeanProb(n, 0), b.topMeanProb(n, 1)};
        String[] names = {"norm", "max_score", "min_score", "mean_score", "std_score", "entropy", "logsumexp",
            "logsumexp of the '-' polarity", "top-100 mean probability", "top-100 mean probability of the '-' polarity"};
        for (int i = 0; i < statistics.length; i++) {
            if (!Float.isFinite(statistics[i])) {
                return names[i] + " is " + statistics[i];
            }
        }
        for (int p = 0; p < 2; p++) {
            for (int r = 0; r < b.topK(); r++) {
                float[] values = {b.score(n, p, r), b.prob(n, p, r), b.normalizedProb(n, p, r)};
                String[] what = {"score", "prob", "normalized_prob"};
                for (int i = 0; i < values.length; i++) {
                    if (!Float.isFinite(values[i])) {
                        return what[i] + " of rank " + (r + 1) + (p == 0 ? " '+'" : " '-'") + " is " + values[i];
                    }
                }
            }
        }
        for (int w = 0; w < b.watched(); w++) {
            float[] values = {b.watchedScore(n, w), b.watchedProb(n, w), b.watchedNormalizedProb(n, w)};
            for (float value : values) {
                if (!Float.isFinite(value)) {
                    return "the value for watched token " + b.watchedToken(w) + " is " + value;
                }
            }
        }
        return null;
    }
}
