package io.neuronatlas.compute.examples;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A mergeable quantile sketch with relative accuracy (the DDSketch design, Masson et al., VLDB 2019): a value v is
 * counted in bucket ceil(log_γ |v|) of its sign, γ = (1 + α)/(1 − α), and a bucket stands for 2γ^k/(γ + 1), within
 * relative error α of every value in it. α = 1%. Values with |v| below {@link #ZERO} count as zero. Merging adds
 * counts, so the result is the same for any partitioning and order. At most {@link #MAX_BUCKETS} buckets per sign
 * (then the smallest magnitudes are collapsed into the lowest kept bucket, as DDSketch's collapsing store does: their
 * accuracy is lost, never the tail's); about 900 buckets cover 1e-6..1e2.
 *
 * <p>Memory: 4 bytes a bucket over the range of keys seen, per sign, and up to half as many again of room to grow.
 */
public final class RelativeSketch implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final double ALPHA = 0.01;
    public static final double ZERO = 1e-12;
    static final int MAX_BUCKETS = 4096;
    private static final double GAMMA = (1 + ALPHA) / (1 - ALPHA);
    private static final double LOG_GAMMA = Math.log(GAMMA);
    /** Buckets a store starts with around its first key when it is not started by {@link #addAll}. */
    private static final int FIRST = 128;
    /**
     * Keys of magnitudes 1e-8..1e3, where activations live: a store started by addAll covers them at once (1,254
     * buckets, the memory bound's assumption), so that a typical neuron's store is allocated once and never grows.
     */
    private static final int TYPICAL_LOW = key(1e-8);
    private static final int TYPICAL_HIGH = key(1e3);
    private static final int SLACK = 16;

    private final Store positive = new Store();
    private final Store negative = new Store();
    private long zeros;

    public void add(float v) {
        if (v > ZERO) {
            positive.add(key(v), 1);
        } else if (v < -ZERO) {
            negative.add(key(-v), 1);
        } else {
            zeros++;
        }
    }

    /**
     * Adds values[from, to) with the same counts as {@link #add} one at a time, computing each key once and sizing
     * each store for the run's keys before counting, instead of growing it key by key.
     *
     * @param keys scratch of at least to − from ints
     */
    public void addAll(float[] values, int from, int to, int[] keys) {
        int posLow = Integer.MAX_VALUE;
        int posHigh = Integer.MIN_VALUE;
        int negLow = Integer.MAX_VALUE;
        int negHigh = Integer.MIN_VALUE;
        for (int i = from; i < to; i++) {
            float v = values[i];
            if (v > ZERO) {
                int k = key(v);
                keys[i - from] = k;
                posLow = Math.min(posLow, k);
                posHigh = Math.max(posHigh, k);
            } else if (v < -ZERO) {
                int k = key(-v);
                keys[i - from] = k;
                negLow = Math.min(negLow, k);
                negHigh = Math.max(negHigh, k);
            } else {
                zeros++;
            }
        }
        positive.reserve(posLow, posHigh);
        negative.reserve(negLow, negHigh);
        for (int i = from; i < to; i++) {
            float v = values[i];
            if (v > ZERO) {
                positive.add(keys[i - from], 1);
            } else if (v < -ZERO) {
                negative.add(keys[i - from], 1);
            }
        }
    }

    public void merge(RelativeSketch other) {
        positive.merge(other.positive);
        negative.merge(other.negative);
        zeros += other.zeros;
    }

    public long count() {
        return zeros + positive.total() + negative.total();
    }

    /**
     * The value at rank floor(q·(count − 1)) of the sorted values, within relative error α (absolute {@link #ZERO}
     * near zero).
     */
    public double quantile(double q) {
        long n = count();
        if (n == 0) {
            return Double.NaN;
        }
        long rank = (long) Math.floor(q * (n - 1));
        long seen = 0;
        for (int i = negative.counts.length - 1; i >= 0; i--) {
            seen += negative.counts[i];
            if (seen > rank) {
                return -value(negative.offset + i);
            }
        }
        seen += zeros;
        if (seen > rank) {
            return 0;
        }
        for (int i = 0; i < positive.counts.length; i++) {
            seen += positive.counts[i];
            if (seen > rank) {
                return value(positive.offset + i);
            }
        }
        return value(positive.offset + positive.counts.length - 1);
    }

    /**
     * Counts in {@code bins} equal bins over [min, max] (the exact extremes): each bucket's count goes to the bin of
     * its representative value, so a value within relative α of a bin edge may be counted in the neighbouring bin.
     */
    public long[] histogram(double min, double max, int bins) {
        long[] h = new long[bins];
        double width = (max - min) / bins;
        forEachBucket((v, c) -> h[bin(v, min, max, width, bins)] += c);
        return h;
    }

    /** Values whose |v| exceeds threshold (by their buckets' representatives: within relative α of it may err). */
    public long countAbove(double threshold) {
        long[] n = new long[1];
        forEachBucket((v, c) -> {
            if (Math.abs(v) > threshold) {
                n[0] += c;
            }
        });
        return n[0];
    }

    private static int bin(double v, double min, double max, double width, int bins) {
        if (!(width > 0)) {
            return 0;
        }
        double clamped = Math.min(max, Math.max(min, v));
        return (int) Math.min(bins - 1, Math.floor((clamped - min) / width));
    }

    private interface BucketVisitor {
        void visit(double value, long count);
    }

    private void forEachBucket(BucketVisitor visitor) {
        for (int i = 0; i < negative.counts.length; i++) {
            if (negative.counts[i] > 0) {
                visitor.visit(-value(negative.offset + i), negative.counts[i]);
            }
        }
        if (zeros > 0) {
            visitor.visit(0, zeros);
        }
        for (int i = 0; i < positive.counts.length; i++) {
            if (positive.counts[i] > 0) {
                visitor.visit(value(positive.offset + i), positive.counts[i]);
            }
        }
    }

    static int key(double magnitude) {
        return (int) Math.ceil(Math.log(magnitude) / LOG_GAMMA);
    }

    static double value(int key) {
        return 2 * Math.pow(GAMMA, key) / (GAMMA + 1);
    }

    /** Counts of consecutive keys from offset; grows as keys arrive, collapsing the lowest beyond MAX_BUCKETS. */
    private static final class Store implements Serializable {
        private static final long serialVersionUID = 1L;
        int offset;
        int[] counts = new int[0];

        void add(int key, int count) {
            if (counts.length == 0) {
                offset = key - FIRST / 2;
                counts = new int[FIRST];
            }
            if (key < offset || key >= offset + counts.length) {
                grow(key);
            }
            int at = Math.max(key, offset) - offset;
            counts[at] += count;
        }

        /**
         * Makes room for keys low..high when they fit in MAX_BUCKETS with the keys held; otherwise leaves the store
         * to grow (and collapse) key by key in {@link #add}, so that counts never depend on how adds were grouped.
         */
        void reserve(int low, int high) {
            if (low > high) {
                return;
            }
            int spanLow = counts.length == 0 ? low : Math.min(offset, low);
            int spanHigh = counts.length == 0 ? high + 1 : Math.max(offset + counts.length, high + 1);
            if (spanHigh - spanLow > MAX_BUCKETS) {
                return;
            }
            if (counts.length == 0) {
                offset = Math.min(low, TYPICAL_LOW);
                int end = Math.max(high + 1, TYPICAL_HIGH + 1);
                if (end - offset > MAX_BUCKETS) {
                    offset = low;
                    end = high + 1;
                }
                counts = new int[end - offset];
                return;
            }
            if (low < offset) {
                grow(low);
            }
            if (high >= offset + counts.length) {
                grow(high);
            }
        }

        /**
         * Covers key, with room on the side that grew for half as many keys again as the store spans: growing by a
         * fixed step copied the whole store every few new keys, which made filling a store quadratic (it was most of
         * the examples job's host time). Beyond MAX_BUCKETS the smallest keys collapse, never the needed high end.
         */
        private void grow(int key) {
            int low = Math.min(offset, key);
            int high = Math.max(offset + counts.length, key + 1);
            int room = Math.max(SLACK, (high - low) / 2);
            if (key < offset) {
                low -= room;
            } else {
                high += room;
            }
            if (high - low > MAX_BUCKETS) {
                int needed = Math.max(offset + counts.length, key + 1);
                high = Math.min(high, Math.max(needed, low + MAX_BUCKETS));
                low = high - MAX_BUCKETS;
            }
            int[] grown = new int[high - low];
            for (int i = 0; i < counts.length; i++) {
                int k = offset + i;
                grown[Math.max(k, low) - low] += counts[i];
            }
            offset = low;
            counts = grown;
        }

        void merge(Store other) {
            for (int i = 0; i < other.counts.length; i++) {
                if (other.counts[i] > 0) {
                    add(other.offset + i, other.counts[i]);
                }
            }
        }

        long total() {
            long t = 0;
            for (int c : counts) {
                t += c;
            }
            return t;
        }

        @Override
        public String toString() {
            return offset + Arrays.toString(counts);
        }
    }
}
