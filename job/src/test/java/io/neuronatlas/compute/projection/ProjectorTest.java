package io.neuronatlas.compute.projection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProjectorTest {

    @AfterAll
    static void report() {
        System.out.printf("projection worst relative errors: score %.3g, prob %.3g, stat %.3g%n",
                Checks.worstScore, Checks.worstProb, Checks.worstStat);
    }

    /** scale sets the score spread: 0.01 is a nearly uniform softmax, 30 a very peaked one. */
    @ParameterizedTest(name = "vocab {0}, d {1}, k {2}, batch {3}, scale {4}")
    @CsvSource({
        "1000, 16, 20, 7, 4",
        "1000, 16, 1, 5, 4",
        "3000, 64, 20, 6, 4",
        "3000, 64, 100, 4, 4",
        "3000, 128, 20, 3, 30",
        "1000, 32, 20, 3, 0.01",
        "50, 16, 20, 4, 4",
        "50, 8, 50, 3, 4",
        "120, 16, 100, 3, 4",
        "200, 16, 100, 3, 4",
        // More rows than one reduction block (Projector.ROW_BLOCK), with and without wide score ranges.
        "3000, 64, 20, 70, 4",
        "3000, 64, 20, 40, 30",
    })
    void matchesFloat64Reference(int vocab, int d, int k, int batch, double scale) {
        Random rnd = new Random(31L * vocab + 7L * d + k);
        float[] u = Fixtures.gaussian(rnd, vocab, d, 1.0);
        float[] x = Fixtures.gaussian(rnd, batch, d, scale / Math.sqrt(d));
        try (LmHead head = Fixtures.head(u, vocab, d); Projector projector = new Projector(head, k)) {
            BatchResult res = projector.project(x, batch);
            Checks.matches(res, ReferenceProjection.compute(u, vocab, d, x, batch, k), k, false);
        }
    }

    /**
     * Gemma-2/3's softcap and a folded LayerNorm's bias, alone and together: scores (with the bias) and their
     * statistics match the reference's dot products, probabilities its softmax of c·tanh(s/c). Scale 40 puts scores
     * well into the cap's bend, and one batch has more rows than a reduction block.
     */
    @ParameterizedTest(name = "vocab {0}, k {1}, batch {2}, scale {3}, bias {4}, softcap {5}")
    @CsvSource({
        "1000, 20, 7, 40, false, 30",
        "3000, 20, 40, 40, false, 30",
        "1000, 20, 7, 4, true, 0",
        "3000, 100, 5, 40, true, 20",
        "120, 100, 3, 40, false, 5",
        "3000, 20, 6, 200, false, 30",
    })
    void biasAndSoftcapMatchTheReference(int vocab, int k, int batch, double scale, boolean biased, double softcap) {
        int d = 32;
        Random rnd = new Random(97L * vocab + batch);
        float[] u = Fixtures.gaussian(rnd, vocab, d, 1.0);
        float[] x = Fixtures.gaussian(rnd, batch, d, scale / Math.sqrt(d));
        float[] bias = biased ? Fixtures.gaussian(rnd, 1, vocab, 2.0) : null;
        ReferenceProjection.Neuron[] expected = ReferenceProjection.compute(u, vocab, d, x, batch, k, bias, softcap);
        try (LmHead head = Fixtures.head(u, vocab, d, bias, softcap); Projector projector = new Projector(head, k)) {
            BatchResult res = projector.project(x, batch);
            Checks.matches(res, expected, k, false);
            if (softcap > 0) {
                // The cap must matter here, or this test could not tell capped from uncapped probabilities.
                ReferenceProjection.Neuron raw = ReferenceProjection.compute(u, vocab, d, x, 1, k, bias, 0)[0];
                int top = res.tokenId(0, 0, 0);
                assertTrue(Math.abs(raw.probs[0][top] - res.prob(0, 0, 0)) > 0.01 * raw.probs[0][top],
                        "capped " + res.prob(0, 0, 0) + " vs uncapped " + raw.probs[0][top]);
                assertTrue(Math.abs(res.score(0, 0, 0)) > softcap * Math.tanh(Math.abs(res.score(0, 0, 0)) / softcap),
                        "the score is the dot product, not the capped logit");
            }
        }
    }

    @Test
    void integerDataReproducesReferenceRankingExactly() {
        // Integer scores tie all over the vocabulary, so this checks the tie rule at every rank.
        int vocab = 1000;
        int d = 16;
        int batch = 6;
        Random rnd = new Random(5);
        float[] u = Fixtures.integers(rnd, vocab, d, 2);
        float[] x = Fixtures.integers(rnd, batch, d, 2);
        try (LmHead head = Fixtures.head(u, vocab, d)) {
            for (int k : new int[] {1, 7, 20, 100}) {
                try (Projector projector = new Projector(head, k)) {
                    Checks.matches(projector.project(x, batch),
                            ReferenceProjection.compute(u, vocab, d, x, batch, k), k, true);
                }
            }
        }
    }

    @Test
    void batchOfOneMatchesWholeBatch() {
        int vocab = 3000;
        int d = 64;
        int batch = 12;
        int k = 20;
        Random rnd = new Random(11);
        float[] u = Fixtures.gaussian(rnd, vocab, d, 1.0);
        float[] x = Fixtures.gaussian(rnd, batch, d, 4 / Math.sqrt(d));
        Agreement agree = new Agreement();
        try (LmHead head = Fixtures.head(u, vocab, d); Projector projector = new Projector(head, k)) {
            BatchResult all = projector.project(x, batch);
            for (int n = 0; n < batch; n++) {
                float[] one = new float[d];
                System.arraycopy(x, n * d, one, 0, d);
                BatchResult single = projector.project(one, 1);
                double scale = all.maxAbsScore(n);
                agree.value(all.norm(n), single.norm(0), all.norm(n));
                agree.value(all.maxScore(n), single.maxScore(0), scale);
                agree.value(all.minScore(n), single.minScore(0), scale);
                agree.value(all.meanScore(n), single.meanScore(0), scale);
                agree.value(all.stdScore(n), single.stdScore(0), scale);
                agree.value(all.logsumexp(n), single.logsumexp(0), scale);
                agree.value(all.entropy(n), single.entropy(0), Math.max(1, scale));
                for (int p = 0; p < 2; p++) {
                    agree.prob(all.topMeanProb(n, p), single.topMeanProb(0, p), scale);
                    for (int r = 0; r < k; r++) {
                        assertEquals(all.tokenId(n, p, r), single.tokenId(0, p, r), "neuron " + n + " rank " + r);
                        agree.value(all.score(n, p, r), single.score(0, p, r), scale);
                        agree.prob(all.prob(n, p, r), single.prob(0, p, r), scale);
                        agree.prob(all.normalizedProb(n, p, r), single.normalizedProb(0, p, r), scale);
                    }
                }
            }
        }
        System.out.printf("batch-1 vs batch-%d: bit-identical %b, worst relative difference %.3g%n",
                batch, agree.bitIdentical, agree.worst);
    }

    /**
     * Batch-1 and batch-N products may sum in different orders (torch picks another kernel for tiny
     * batches), so agreement is to 1e-6 of the row's score scale. A probability exp(ps − lse) turns an
     * absolute score difference into a relative one, hence its bound also scales with the row.
     */
    private static final class Agreement {
        static final double TOL = 1e-6;
        boolean bitIdentical = true;
        double worst;

        void value(float a, float b, double scale) {
            check(Math.abs(a - b) / Math.max(scale, 1e-30), a, b);
        }

        void prob(float a, float b, double scale) {
            double rel = Math.abs(a - b) / Math.max(Math.abs(a), Float.MIN_NORMAL);
            check(rel / Math.max(1, scale), a, b);
        }

        private void check(double rel, float a, float b) {
            worst = Math.max(worst, rel);
            bitIdentical &= Float.floatToRawIntBits(a) == Float.floatToRawIntBits(b);
            assertTrue(rel <= TOL, a + " vs " + b);
        }
    }

    @Test
    void negatedTokenRowRanksFirstForNegativePolarity() {
        int vocab = 1000;
        int d = 32;
        int t = 417;
        Random rnd = new Random(3);
        float[] u = Fixtures.gaussian(rnd, vocab, d, 1.0);
        // By Cauchy–Schwarz v·U[j] ≥ −|U[t]|·|U[j]|, so t is the unique minimum once its row is the longest.
        for (int j = 0; j < d; j++) {
            u[t * d + j] *= 3;
        }
        float[] v = new float[d];
        double expected = 0;
        for (int j = 0; j < d; j++) {
            v[j] = -u[t * d + j];
            expected -= (double) u[t * d + j] * u[t * d + j];
        }
        try (LmHead head = Fixtures.head(u, vocab, d); Projector projector = new Projector(head, 5)) {
            BatchResult res = projector.project(v, 1);
            assertEquals(t, res.tokenId(0, BatchResult.NEGATIVE, 0));
            assertTrue(res.score(0, BatchResult.NEGATIVE, 0) < 0);
            assertEquals(expected, res.score(0, BatchResult.NEGATIVE, 0), 1e-4 * Math.abs(expected));
            assertEquals(res.minScore(0), res.score(0, BatchResult.NEGATIVE, 0));
            assertEquals(1.0f, res.normalizedProb(0, BatchResult.NEGATIVE, 0)
                    * res.topMeanProb(0, BatchResult.NEGATIVE) / res.prob(0, BatchResult.NEGATIVE, 0), 1e-5);
            for (int r = 0; r < 5; r++) {
                assertTrue(res.tokenId(0, BatchResult.POSITIVE, r) != t);
            }
        }
    }

    @Test
    void validatesArguments() {
        int vocab = 50;
        int d = 4;
        float[] u = Fixtures.gaussian(new Random(1), vocab, d, 1.0);
        try (LmHead head = Fixtures.head(u, vocab, d)) {
            assertThrows(IllegalArgumentException.class, () -> new Projector(head, 0));
            assertThrows(IllegalArgumentException.class, () -> new Projector(head, vocab + 1));
            try (Projector projector = new Projector(head, vocab)) {
                assertThrows(IllegalArgumentException.class, () -> projector.project(new float[d * 2 - 1], 2));
                assertThrows(IllegalArgumentException.class, () -> projector.project(new float[d], -1));
                BatchResult empty = projector.project(new float[0], 0);
                assertEquals(0, empty.count());
                assertEquals(vocab, empty.topK());
            }
        }
    }

    @Test
    void resultSurvivesJavaSerialization() throws Exception {
        int vocab = 300;
        int d = 8;
        Random rnd = new Random(8);
        float[] u = Fixtures.gaussian(rnd, vocab, d, 1.0);
        float[] x = Fixtures.gaussian(rnd, 3, d, 1.0);
        try (LmHead head = Fixtures.head(u, vocab, d); Projector projector = new Projector(head, 10)) {
            BatchResult res = projector.project(x, 3);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(res);
            }
            BatchResult back;
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                back = (BatchResult) in.readObject();
            }
            assertEquals(res.count(), back.count());
            for (int n = 0; n < 3; n++) {
                assertEquals(res.entropy(n), back.entropy(n));
                assertEquals(res.stdScore(n), back.stdScore(n));
                int[] a = new int[20];
                int[] b = new int[20];
                for (int p = 0; p < 2; p++) {
                    for (int r = 0; r < 10; r++) {
                        a[p * 10 + r] = res.tokenId(n, p, r);
                        b[p * 10 + r] = back.tokenId(n, p, r);
                        assertEquals(res.normalizedProb(n, p, r), back.normalizedProb(n, p, r));
                    }
                }
                assertArrayEquals(a, b);
            }
        }
    }
}
