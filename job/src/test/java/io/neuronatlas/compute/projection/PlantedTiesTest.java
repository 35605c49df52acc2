package io.neuronatlas.compute.projection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Heads with duplicated rows, so groups of tokens have exactly equal scores (integer data keeps every dot
 * product exact). Row groups a·x for a neuron x score a·|x|², far above or below the background rows.
 */
class PlantedTiesTest {
    private static final int VOCAB = 1000;
    private static final int D = 16;

    /** Token ids of each planted group, at random positions, keyed by multiple of x: 3, 2, −3, −2. */
    private static final class Planted {
        final float[] u;
        final float[] x;
        final int[] three;
        final int[] two;
        final int[] minusThree;
        final int[] minusTwo;

        Planted(long seed, int nThree, int nTwo, int nMinusThree, int nMinusTwo) {
            Random rnd = new Random(seed);
            u = Fixtures.integers(rnd, VOCAB, D, 2);
            x = Fixtures.integers(rnd, 1, D, 2);
            List<Integer> ids = new ArrayList<>();
            for (int t = 0; t < VOCAB; t++) {
                ids.add(t);
            }
            Collections.shuffle(ids, rnd);
            int next = 0;
            three = plant(ids.subList(next, next += nThree), 3);
            two = plant(ids.subList(next, next += nTwo), 2);
            minusThree = plant(ids.subList(next, next += nMinusThree), -3);
            minusTwo = plant(ids.subList(next, next += nMinusTwo), -2);
            double xx = 0;
            for (float v : x) {
                xx += v * v;
            }
            double background = 0;
            for (int t = 0; t < VOCAB; t++) {
                double s = 0;
                for (int j = 0; j < D; j++) {
                    s += x[j] * u[t * D + j];
                }
                if (Math.abs(Math.abs(s) - 2 * xx) > 1e-9 && Math.abs(Math.abs(s) - 3 * xx) > 1e-9) {
                    background = Math.max(background, Math.abs(s));
                }
            }
            assertTrue(background < 2 * xx, "fixture: planted groups must dominate the background");
        }

        private int[] plant(List<Integer> ids, int multiple) {
            for (int t : ids) {
                for (int j = 0; j < D; j++) {
                    u[t * D + j] = multiple * x[j];
                }
            }
            return ids.stream().mapToInt(Integer::intValue).sorted().toArray();
        }
    }

    /** The first k of the groups concatenated in order, each group in ascending id order. */
    private static int[] expected(int k, int[]... groups) {
        int[] all = Arrays.stream(groups).flatMapToInt(Arrays::stream).toArray();
        return Arrays.copyOf(all, k);
    }

    private static int[] ranking(BatchResult res, int n, int p) {
        int[] ids = new int[res.topK()];
        for (int r = 0; r < ids.length; r++) {
            ids[r] = res.tokenId(n, p, r);
        }
        return ids;
    }

    @Test
    void tiesInsideTheCandidatesAreOrderedByIdWithoutFallback() {
        Planted f = new Planted(17, 3, 10, 4, 6);
        int k = 5;
        try (LmHead head = Fixtures.head(f.u, VOCAB, D); Projector projector = new Projector(head, k)) {
            BatchResult res = projector.project(f.x, 1);
            assertArrayEquals(expected(k, f.three, f.two), ranking(res, 0, BatchResult.POSITIVE));
            assertArrayEquals(expected(k, f.minusThree, f.minusTwo), ranking(res, 0, BatchResult.NEGATIVE));
            assertEquals(0, projector.tieFallbacks());
            Checks.matches(res, ReferenceProjection.compute(f.u, VOCAB, D, f.x, 1, k), k, true);
            // Tied tokens share every per-token output.
            assertEquals(res.prob(0, 0, 3), res.prob(0, 0, 4));
            assertEquals(res.normalizedProb(0, 0, 0), res.normalizedProb(0, 0, 2));
        }
    }

    @ParameterizedTest(name = "k {0}")
    @ValueSource(ints = {1, 20, 100})
    void tieRunsLongerThanTheCandidatesFallBackToTheHost(int k) {
        // 200 and 300 tied tokens: more than the max(k, 100) + margin candidates torch returns.
        Planted f = new Planted(23, 3, 200, 300, 5);
        try (LmHead head = Fixtures.head(f.u, VOCAB, D); Projector projector = new Projector(head, k)) {
            BatchResult res = projector.project(f.x, 1);
            assertArrayEquals(expected(k, f.three, f.two), ranking(res, 0, BatchResult.POSITIVE));
            assertArrayEquals(expected(k, f.minusThree, f.minusTwo), ranking(res, 0, BatchResult.NEGATIVE));
            // For k = 1 the '+' side ends inside the 3-token group, which the candidates hold entirely.
            assertEquals(k == 1 ? 1 : 2, projector.tieFallbacks());
            Checks.matches(res, ReferenceProjection.compute(f.u, VOCAB, D, f.x, 1, k), k, true);
        }
    }

    @Test
    void fallbackReadsTheRightRowInsideABatch() {
        Planted f = new Planted(29, 3, 200, 300, 5);
        int batch = 4;
        int k = 20;
        float[] x = Fixtures.integers(new Random(2), batch, D, 2);
        System.arraycopy(f.x, 0, x, 2 * D, D);
        try (LmHead head = Fixtures.head(f.u, VOCAB, D); Projector projector = new Projector(head, k)) {
            BatchResult res = projector.project(x, batch);
            assertArrayEquals(expected(k, f.three, f.two), ranking(res, 2, BatchResult.POSITIVE));
            assertArrayEquals(expected(k, f.minusThree, f.minusTwo), ranking(res, 2, BatchResult.NEGATIVE));
            assertTrue(projector.tieFallbacks() >= 2);
            Checks.matches(res, ReferenceProjection.compute(f.u, VOCAB, D, x, batch, k), k, true);
        }
    }
}
