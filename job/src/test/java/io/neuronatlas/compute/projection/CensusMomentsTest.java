package io.neuronatlas.compute.projection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The census moments (skew and Pearson kurtosis of the scores and of the cosines with the head's rows) against a
 * float64 two-pass loop over the whole vocabulary, written apart from the projector. The head has a large common
 * direction, so every neuron's mean score is large next to its spread: raw float32 power sums would cancel.
 */
class CensusMomentsTest {
    private static final int VOCAB = 20_000;
    private static final int D = 48;
    /** Relative tolerance of kurtosis, and of skew where |skew| ≥ 1 (absolute below): float32 sums of 20k terms. */
    private static final double TOLERANCE = 2e-3;

    /** Skew and kurtosis of values, by the textbook two passes in double. */
    private static double[] reference(double[] v) {
        double mean = 0;
        for (double x : v) {
            mean += x;
        }
        mean /= v.length;
        double m2 = 0;
        double m3 = 0;
        double m4 = 0;
        for (double x : v) {
            double d = x - mean;
            m2 += d * d;
            m3 += d * d * d;
            m4 += d * d * d * d;
        }
        m2 /= v.length;
        m3 /= v.length;
        m4 /= v.length;
        return m2 == 0 ? new double[] {0, 0} : new double[] {m3 / Math.pow(m2, 1.5), m4 / (m2 * m2)};
    }

    /** [score skew, score kurtosis, cos skew, cos kurtosis] of neuron n, in double. */
    private static double[] expected(float[] u, float[] bias, float[] x, int n) {
        double[] scores = new double[VOCAB];
        double[] cosines = new double[VOCAB];
        double xx = 0;
        for (int j = 0; j < D; j++) {
            xx += (double) x[n * D + j] * x[n * D + j];
        }
        for (int t = 0; t < VOCAB; t++) {
            double dot = 0;
            double uu = 0;
            for (int j = 0; j < D; j++) {
                dot += (double) x[n * D + j] * u[t * D + j];
                uu += (double) u[t * D + j] * u[t * D + j];
            }
            scores[t] = dot + (bias == null ? 0 : bias[t]);
            cosines[t] = uu == 0 || xx == 0 ? 0 : dot / Math.sqrt(uu * xx);
        }
        double[] s = reference(scores);
        double[] c = reference(cosines);
        return new double[] {s[0], s[1], c[0], c[1]};
    }

    private static void assertClose(double expected, float actual, String what) {
        double scale = Math.max(1, Math.abs(expected));
        assertTrue(Math.abs(expected - actual) <= TOLERANCE * scale,
                what + ": expected " + expected + ", got " + actual);
    }

    /** The direction of a cluster of 200 tokens: a neuron along it is heavy-tailed, against it too. */
    private static float[] cluster(Random rnd) {
        return Fixtures.gaussian(rnd, 1, D, 1);
    }

    /**
     * A head with a common direction (every row shifted by 3·c), a cluster of 200 rows around 4·e, and 500 tied rows.
     */
    private static float[] head(Random rnd, float[] e) {
        float[] u = Fixtures.gaussian(rnd, VOCAB, D, 1);
        float[] common = Fixtures.gaussian(rnd, 1, D, 3);
        for (int t = 0; t < VOCAB; t++) {
            for (int j = 0; j < D; j++) {
                u[t * D + j] += common[j] + (t >= 2000 && t < 2200 ? 4 * e[j] : 0);
            }
        }
        for (int t = 1000; t < 1500; t++) {
            System.arraycopy(u, 999 * D, u, t * D, D);
        }
        return u;
    }

    /**
     * Plain Gaussian neurons, and planted ones: along the cluster (prediction-like), against it (suppression-like),
     * along one token's row, along the common direction (a large mean score), a zero vector, along the tied rows.
     */
    private static float[] neurons(Random rnd, float[] u, float[] e) {
        int count = 40;
        float[] x = Fixtures.gaussian(rnd, count, D, 0.1);
        for (int j = 0; j < D; j++) {
            float mean = 0;
            for (int t = 0; t < VOCAB; t++) {
                mean += u[t * D + j] / VOCAB;
            }
            x[j] = e[j];
            x[D + j] = -e[j];
            x[2 * D + j] = u[7 * D + j];
            x[3 * D + j] = mean;
            x[4 * D + j] = 0;
            x[5 * D + j] = u[999 * D + j];
        }
        return x;
    }

    private static void check(float[] u, float[] bias, double softcap, float[] x) {
        int count = x.length / D;
        double[][] expected = new double[count][];
        for (int n = 0; n < count; n++) {
            expected[n] = expected(u, bias, x, n);
        }
        // The host's one-pass sums (CPU heads) and the tensor ops (GPU heads), both on this CPU.
        for (boolean host : new boolean[] {true, false}) {
            check(u, bias, softcap, x, expected, host);
        }
    }

    private static void check(float[] u, float[] bias, double softcap, float[] x, double[][] expected,
                              boolean host) {
        int count = x.length / D;
        try (LmHead head = Fixtures.head(u, VOCAB, D, bias, softcap);
             Projector projector = new Projector(head, 5, new int[0], true, host)) {
            BatchResult b = projector.project(x, count);
            for (int n = 0; n < count; n++) {
                double[] e = expected[n];
                assertClose(e[0], b.scoreSkew(n), "score skew of neuron " + n + (host ? " (host)" : " (device)"));
                assertClose(e[1], b.scoreKurtosis(n), "score kurtosis of neuron " + n + (host ? " (host)" : " (device)"));
                assertClose(e[2], b.vocabCosSkew(n), "cos skew of neuron " + n + (host ? " (host)" : " (device)"));
                assertClose(e[3], b.vocabCosKurtosis(n), "cos kurtosis of neuron " + n + (host ? " (host)" : " (device)"));
            }
            // The planted neurons are heavy-tailed, with the sign of their skew.
            assertTrue(b.vocabCosKurtosis(0) > 10 && b.vocabCosSkew(0) > 0, "planted prediction-like neuron");
            assertTrue(b.vocabCosKurtosis(1) > 10 && b.vocabCosSkew(1) < 0, "planted suppression-like neuron");
            assertEquals(0f, b.scoreKurtosis(4) * (bias == null ? 1 : 0), "zero neuron without a bias");
        }
    }

    @Test
    void momentsMatchFloat64OverTheWholeVocabulary() {
        Random rnd = new Random(24);
        float[] e = cluster(rnd);
        float[] u = head(rnd, e);
        check(u, null, 0, neurons(rnd, u, e));
    }

    @Test
    void biasEntersTheScoresButNotTheCosines() {
        Random rnd = new Random(25);
        float[] e = cluster(rnd);
        float[] u = head(rnd, e);
        float[] bias = Fixtures.gaussian(rnd, 1, VOCAB, 0.5);
        check(u, bias, 30, neurons(rnd, u, e));
    }
}
