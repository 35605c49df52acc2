package io.neuronatlas.compute.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The sketch against the sorted values themselves: every quantile within relative α of the exact order statistic,
 * for values arriving in an order that grows the store on both sides many times; merging two halves gives what one
 * sketch of all gives; and a range too wide for the store loses only its smallest magnitudes.
 */
class RelativeSketchTest {
    private static final double[] QUANTILES = {0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1};

    /** Signed values over 1e-5..1e3 in magnitude, log-uniform, so the keys spread over ~1,100 buckets a sign. */
    private static float[] values(long seed, int n) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double magnitude = Math.pow(10, -5 + 8 * r.nextDouble());
            v[i] = (float) (r.nextBoolean() ? magnitude : -magnitude);
        }
        return v;
    }

    /**
     * The bucket mapping alone, against Math.log: every magnitude of the float range is within relative α of its
     * bucket's representative, keys never decrease as magnitudes grow, and no bucket spans more than γ.
     */
    @Test
    void everyMagnitudeIsWithinAlphaOfItsBucket() {
        Random r = new Random(17);
        double gamma = (1 + RelativeSketch.ALPHA) / (1 - RelativeSketch.ALPHA);
        for (int i = 0; i < 200_000; i++) {
            double v = (float) Math.exp(Math.log(RelativeSketch.ZERO)
                    + r.nextDouble() * (Math.log(Float.MAX_VALUE) - Math.log(RelativeSketch.ZERO)));
            int k = RelativeSketch.key(v);
            double rep = RelativeSketch.value(k);
            assertTrue(Math.abs(rep - v) <= RelativeSketch.ALPHA * v * (1 + 1e-12),
                    v + " in bucket " + k + " ~ " + rep);
            assertTrue(Math.abs(RelativeSketch.log2(v) - Math.log(v) / Math.log(2)) < 0.01, "log2~ of " + v);
        }
        for (int e = -40; e <= 127; e++) {
            assertEquals(e, RelativeSketch.log2(Math.scalb(1.0, e)), 0, "powers of two are exact");
        }
        float previous = (float) RelativeSketch.ZERO;
        for (int step = 0; step < 100_000; step++) {
            float next = Math.nextUp(previous * 1.0003f);
            assertTrue(RelativeSketch.key(next) >= RelativeSketch.key(previous), next + " after " + previous);
            previous = next;
        }
        for (int k = RelativeSketch.key(1e-12); k < RelativeSketch.key(1e38); k += 7) {
            double lo = RelativeSketch.exp2((k - 1) / mOf());
            double hi = RelativeSketch.exp2(k / mOf());
            assertTrue(hi / lo <= gamma * (1 + 1e-12), "bucket " + k + " spans " + hi / lo);
        }
    }

    /** Keys per unit of log2~, recovered from the mapping itself: M = 0.7 / ln γ. */
    private static double mOf() {
        double gamma = (1 + RelativeSketch.ALPHA) / (1 - RelativeSketch.ALPHA);
        return 0.7 / Math.log(gamma);
    }

    @Test
    void quantilesAreWithinRelativeAlphaOfTheSortedValues() {
        float[] v = values(11, 50_000);
        RelativeSketch sketch = new RelativeSketch();
        for (float x : v) {
            sketch.add(x);
        }
        double[] sorted = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            sorted[i] = v[i];
        }
        Arrays.sort(sorted);
        assertEquals(v.length, sketch.count());
        for (double q : QUANTILES) {
            double exact = sorted[(int) Math.floor(q * (v.length - 1))];
            double estimate = sketch.quantile(q);
            assertTrue(Math.abs(estimate - exact) <= RelativeSketch.ALPHA * Math.abs(exact) * 1.0001,
                    "q" + q + ": " + estimate + " vs exact " + exact);
        }
        long above = 0;
        for (double x : sorted) {
            above += Math.abs(x) > 1 ? 1 : 0;
        }
        // Values within α of the threshold may fall on either side.
        long near = Arrays.stream(sorted).filter(x -> Math.abs(Math.abs(x) - 1) <= 2 * RelativeSketch.ALPHA).count();
        assertTrue(Math.abs(sketch.countAbove(1) - above) <= near, sketch.countAbove(1) + " vs " + above);
    }

    @Test
    void mergingHalvesEqualsOneSketchOfAll() {
        float[] v = values(12, 20_000);
        RelativeSketch all = new RelativeSketch();
        RelativeSketch first = new RelativeSketch();
        RelativeSketch second = new RelativeSketch();
        for (int i = 0; i < v.length; i++) {
            all.add(v[i]);
            (i % 3 == 0 ? first : second).add(v[i]);
        }
        RelativeSketch merged = second;
        merged.merge(first);
        assertEquals(all.count(), merged.count());
        for (double q : QUANTILES) {
            assertEquals(all.quantile(q), merged.quantile(q), 0, "q" + q);
        }
        assertArrayEquals(all.histogram(-1000, 1000, 50), merged.histogram(-1000, 1000, 50));
    }

    /**
     * addAll in runs gives the counts of add one at a time, also where the store collapses (a 1e-11..1e30 run), and
     * for the values at the edges: ±0, magnitudes on either side of ZERO, subnormals, infinities and NaN.
     */
    @Test
    void addingARunAtOnceCountsAsAddingOneAtATime() {
        float[] v = values(13, 10_000);
        float zero = (float) RelativeSketch.ZERO;
        float[] edges = {0f, -0f, zero, -zero, Math.nextUp(zero), -Math.nextUp(zero), Math.nextDown(zero),
            Float.MIN_VALUE, -Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, Float.NaN};
        for (int i = 0; i < edges.length; i++) {
            v[i * 397] = edges[i];
        }
        float[] wide = new float[3_000];
        for (int i = 0; i < wide.length; i++) {
            wide[i] = (float) ((i % 2 == 0 ? 1 : -1) * Math.pow(10, 30 - 41.0 * ((i * 7919) % wide.length)
                    / wide.length));
        }
        for (float[] values : new float[][] {v, wide}) {
            RelativeSketch one = new RelativeSketch();
            RelativeSketch runs = new RelativeSketch();
            int[] keys = new int[128];
            for (int from = 0; from < values.length; from += 128) {
                int to = Math.min(values.length, from + 128);
                for (int i = from; i < to; i++) {
                    one.add(values[i]);
                }
                runs.addAll(values, from, to, keys);
            }
            assertEquals(one.count(), runs.count());
            for (double q = 0; q <= 1; q += 0.01) {
                assertEquals(one.quantile(q), runs.quantile(q), 0, "q" + q);
            }
            assertArrayEquals(one.histogram(-1e30, 1e30, 50), runs.histogram(-1e30, 1e30, 50));
            assertEquals(one.countAbove(1), runs.countAbove(1));
        }
    }

    @Test
    void aRangeWiderThanTheStoreCollapsesOnlyTheSmallestMagnitudes() {
        RelativeSketch sketch = new RelativeSketch();
        // 1e-11..1e30: about 4,800 buckets at 1%, more than MAX_BUCKETS; largest first, then ever smaller.
        int n = 4_000;
        double[] magnitudes = new double[n];
        for (int i = 0; i < n; i++) {
            magnitudes[i] = Math.pow(10, 30 - 41.0 * i / (n - 1));
            sketch.add((float) magnitudes[i]);
        }
        Arrays.sort(magnitudes);
        for (double q : new double[] {0.5, 0.9, 0.99, 1}) {
            double exact = magnitudes[(int) Math.floor(q * (n - 1))];
            assertEquals(exact, sketch.quantile(q), RelativeSketch.ALPHA * exact * 1.0001, "q" + q);
        }
        double lowest = sketch.quantile(0);
        assertTrue(lowest > magnitudes[0] * 10, "the smallest magnitudes collapse upwards: " + lowest);
    }

    /**
     * A block's sketches, started in one shared arena, count as lone sketches do, also once one outgrows the arena;
     * and each serializes as its own buckets (a round trip keeps its quantiles; its bytes do not carry the arena).
     */
    @Test
    void arenaSketchesCountAsLoneOnesAndSerializeAlone() throws Exception {
        int neurons = 8;
        int[] arena = RelativeSketch.arena(neurons);
        for (int n = 0; n < 3; n++) {
            float[] v = values(20 + n, 5_000);
            if (n == 1) {
                v[17] = 3e20f; // far above the arena's range: this store moves to an array of its own
            }
            RelativeSketch lone = new RelativeSketch();
            RelativeSketch inArena = new RelativeSketch(arena, n);
            int[] keys = new int[100];
            for (int from = 0; from < v.length; from += 100) {
                lone.addAll(v, from, from + 100, keys);
                inArena.addAll(v, from, from + 100, keys);
            }
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
                out.writeObject(inArena);
            }
            assertTrue(bytes.size() < arena.length * 4 / 2, bytes.size() + " bytes carry the arena");
            RelativeSketch back;
            try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                    new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
                back = (RelativeSketch) in.readObject();
            }
            for (RelativeSketch s : new RelativeSketch[] {inArena, back}) {
                assertEquals(lone.count(), s.count());
                for (double q = 0; q <= 1; q += 0.01) {
                    assertEquals(lone.quantile(q), s.quantile(q), 0, "neuron " + n + " q" + q);
                }
                assertArrayEquals(lone.histogram(-1e3, 1e3, 50), s.histogram(-1e3, 1e3, 50));
            }
        }
    }
}
