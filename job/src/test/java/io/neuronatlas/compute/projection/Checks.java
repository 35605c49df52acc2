package io.neuronatlas.compute.projection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

/** Assertions comparing a {@link BatchResult} with {@link ReferenceProjection}. */
final class Checks {
    static final double SCORE_TOL = 1e-4;
    static final double PROB_TOL = 1e-3;
    static final double STAT_TOL = 1e-4;
    static final double NEAR_TIE = 1e-5;

    /** Largest error seen, relative to each check's own scale; printed by tests for the record. */
    static double worstScore;
    static double worstProb;
    static double worstStat;

    private Checks() {
    }

    /**
     * @param exactIds whether the reference ranking must be reproduced exactly (exact float data); otherwise
     *     a different id is accepted at a rank where its reference score is within {@link #NEAR_TIE} of the
     *     reference's score at that rank
     */
    static void matches(BatchResult res, ReferenceProjection.Neuron[] ref, int k, boolean exactIds) {
        assertEquals(ref.length, res.count());
        assertEquals(k, res.topK());
        for (int n = 0; n < ref.length; n++) {
            ReferenceProjection.Neuron e = ref[n];
            double scale = Math.max(e.maxAbs, 1e-30);
            String where = "neuron " + n;
            stat(where + " max", e.max, res.maxScore(n), scale);
            stat(where + " min", e.min, res.minScore(n), scale);
            stat(where + " mean", e.mean, res.meanScore(n), scale);
            stat(where + " std", e.std, res.stdScore(n), scale);
            stat(where + " maxAbs", e.maxAbs, res.maxAbsScore(n), scale);
            stat(where + " norm", e.norm, res.norm(n), Math.max(e.norm, 1e-30));
            stat(where + " lse+", e.lse[0], res.logsumexp(n), Math.max(Math.abs(e.lse[0]), scale));
            stat(where + " lse-", e.lse[1], res.logsumexp(n, 1), Math.max(Math.abs(e.lse[1]), scale));
            // Entropy is in nats, bounded by log(vocab); its fp32 error grows with the score range.
            stat(where + " entropy", e.entropy, res.entropy(n), Math.max(1.0, scale));
            for (int p = 0; p < 2; p++) {
                prob(where + " topMean p" + p, e.topMean[p], res.topMeanProb(n, p));
                Set<Integer> seen = new HashSet<>();
                for (int r = 0; r < k; r++) {
                    String at = where + " p" + p + " rank " + r;
                    int id = res.tokenId(n, p, r);
                    assertTrue(seen.add(id), at + ": duplicate id " + id);
                    if (exactIds) {
                        assertEquals(e.ids[p][r], id, at);
                    } else if (id != e.ids[p][r]) {
                        double gap = Math.abs(e.scores[id] - e.rankScores[p][r]);
                        assertTrue(gap <= NEAR_TIE * scale,
                                at + ": id " + id + " instead of " + e.ids[p][r] + ", reference gap " + gap);
                    }
                    double err = Math.abs(res.score(n, p, r) - e.scores[id]);
                    double rel = err / Math.max(Math.abs(e.scores[id]), scale);
                    worstScore = Math.max(worstScore, rel);
                    assertTrue(rel <= SCORE_TOL, at + ": score " + res.score(n, p, r) + " vs " + e.scores[id]);
                    prob(at + " prob", e.probs[p][id], res.prob(n, p, r));
                    prob(at + " normalizedProb", e.normProbs[p][id], res.normalizedProb(n, p, r));
                }
                ordered(res, n, p);
            }
        }
    }

    /** The output's own order: p·s non-increasing, equal values by ascending id. */
    static void ordered(BatchResult res, int n, int p) {
        for (int r = 1; r < res.topK(); r++) {
            float a = p == 0 ? res.score(n, p, r - 1) : -res.score(n, p, r - 1);
            float b = p == 0 ? res.score(n, p, r) : -res.score(n, p, r);
            assertTrue(a > b || (a == b && res.tokenId(n, p, r - 1) < res.tokenId(n, p, r)),
                    "neuron " + n + " p" + p + " rank " + r + " out of order");
        }
    }

    private static void stat(String what, double expected, float actual, double scale) {
        double rel = Math.abs(actual - expected) / scale;
        worstStat = Math.max(worstStat, rel);
        assertTrue(rel <= STAT_TOL, what + ": " + actual + " vs " + expected);
    }

    private static void prob(String what, double expected, float actual) {
        // Float.MIN_NORMAL: below it a float probability has lost relative precision to underflow.
        double rel = Math.abs(actual - expected) / Math.max(expected, Float.MIN_NORMAL);
        worstProb = Math.max(worstProb, rel);
        assertTrue(rel <= PROB_TOL, what + ": " + actual + " vs " + expected);
    }
}
