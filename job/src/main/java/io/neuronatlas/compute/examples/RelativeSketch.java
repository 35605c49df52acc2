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
 * <p>Memory: 4 bytes a bucket over the range of keys seen, per sign.
 */
public final class RelativeSketch implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final double ALPHA = 0.01;
    public static final double ZERO = 1e-12;
    static final int MAX_BUCKETS = 4096;
    private static final double GAMMA = (1 + ALPHA) / (1 - ALPHA);
    private static final double LOG_GAMMA = Math.log(GAMMA);
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
                offset = key - SLACK / 2;
                counts = new int[SLACK];
            }
            if (key < offset || key >= offset + counts.length) {
                grow(key);
            }
            int at = Math.max(key, offset) - offset;
            counts[at] += count;
        }

        private void grow(int key) {
            int low = Math.min(offset, key - (key < offset ? SLACK : 0));
            int high = Math.max(offset + counts.length, key + 1 + (key >= offset ? SLACK : 0));
            if (high - low > MAX_BUCKETS) {
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
