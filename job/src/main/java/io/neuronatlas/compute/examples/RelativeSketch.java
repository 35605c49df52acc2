package io.neuronatlas.compute.examples;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A mergeable quantile sketch with relative accuracy (the DDSketch design, Masson et al., VLDB 2019): a value v is
 * counted in bucket k = ceil(M · log2~ |v|) of its sign, and a bucket stands for 2·lo·hi/(lo + hi) of its bounds, within
 * relative error α of every value in it as long as hi/lo ≤ γ = (1 + α)/(1 − α). α = 1%. log2~ is DDSketch's cubically
 * interpolated log2 (exponent plus a cubic in the mantissa, see {@link #key}): computing Math.log for every activation
 * was most of the examples job's host time, and the cubic costs a few multiplications for 1% more buckets. Values
 * with |v| at most {@link #ZERO}, and non-finite ones, count as zero. Merging adds counts, so the result is the same
 * for any partitioning and order. At most {@link #MAX_BUCKETS} buckets per sign
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
    // log2~(2^e·(1 + s)) = e + ((A·s + B)·s + C)·s for s in [0, 1): exact at powers of two, increasing, and its slope
    // in ln v, (1 + s)·(3A·s² + 2B·s + C), lies in [10/7, 52/35].
    private static final double A = 6.0 / 35;
    private static final double B = -3.0 / 5;
    private static final double C = 10.0 / 7;
    /** Keys per unit of log2~: a bucket spans at most (1/M)·(7/10) in ln v, which must not exceed ln γ. */
    private static final double M = 0.7 / Math.log(GAMMA);
    /** Representatives of the keys of magnitudes ZERO..Float.MAX_VALUE, computed once. */
    private static final int VALUE_LOW = key(ZERO) - 1;
    private static final double[] VALUES = values(VALUE_LOW, key(Float.MAX_VALUE) + 1);
    /** Buckets a store starts with around its first key when it is not started by {@link #addAll}. */
    private static final int FIRST = 128;
    /**
     * Keys of magnitudes 1e-8..1e3, where activations live: a store started by addAll covers them at once (1,280
     * buckets, the memory bound's assumption), so that a typical neuron's store is allocated once and never grows.
     */
    private static final int TYPICAL_LOW = key(1e-8);
    private static final int TYPICAL_HIGH = key(1e3);
    /** Buckets of a store in the arena: 1,280 at α = 1%. */
    static final int TYPICAL_SPAN = TYPICAL_HIGH + 1 - TYPICAL_LOW;
    /** Bits of the largest float whose magnitude counts as zero (floats of one sign order as their bits do). */
    private static final int ZERO_BITS = zeroBits();
    private static final int INFINITY_BITS = Float.floatToRawIntBits(Float.POSITIVE_INFINITY);
    /** A code no counted value has: keys are far from Integer.MIN_VALUE / 2. */
    private static final int NOT_COUNTED = Integer.MIN_VALUE;
    private static final int SLACK = 16;

    private final Store positive;
    private final Store negative;
    private long zeros;

    /** An empty sketch whose stores are allocated as keys arrive. */
    public RelativeSketch() {
        positive = new Store();
        negative = new Store();
    }

    /**
     * The sketch of neuron i of a block whose stores start in {@code arena} ({@link #arena}): one array allocated
     * once for all of a block's neurons, because a store per neuron, made as the first batch arrived, was a gigabyte
     * of small arrays that all survived and that the collector copied out of the young generation while the forward
     * pass waited.
     */
    RelativeSketch(int[] arena, int i) {
        positive = new Store(arena, 2 * i * TYPICAL_SPAN);
        negative = new Store(arena, (2 * i + 1) * TYPICAL_SPAN);
    }

    /** The stores of n neurons' sketches over the typical keys, both signs. */
    static int[] arena(int n) {
        long cells = 2L * TYPICAL_SPAN * n;
        if (cells > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(n + " neurons' sketches do not fit one array; split the block");
        }
        return new int[(int) cells];
    }

    public void add(float v) {
        if (!Float.isFinite(v)) {
            zeros++; // counted, not keyed; the examples job refuses non-finite activations anyway
        } else if (v > ZERO) {
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
        // Pass 1: each value's key and sign as one code, (key << 1) | sign, and each sign's range of keys. Signs of
        // activations are a coin toss, so nothing here branches on one (a mispredicted branch a value cost more than
        // the key); the rare non-finite value or |v| <= ZERO is the only branch.
        int[] range = {Integer.MAX_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE}; // low, high a sign
        int tiny = 0;
        for (int i = from; i < to; i++) {
            int bits = Float.floatToRawIntBits(values[i]);
            int magnitude = bits & 0x7fffffff;
            if (magnitude <= ZERO_BITS || magnitude >= INFINITY_BITS) {
                keys[i - from] = NOT_COUNTED;
                tiny++;
                continue;
            }
            int k = key(magnitude);
            int sign = bits >>> 31;
            keys[i - from] = k << 1 | sign;
            range[2 * sign] = Math.min(range[2 * sign], k);
            range[2 * sign + 1] = Math.max(range[2 * sign + 1], k);
        }
        zeros += tiny;
        boolean posCovered = positive.reserve(range[0], range[1]);
        boolean negCovered = negative.reserve(range[2], range[3]);
        if (posCovered && negCovered) {
            // Every key is inside its store: count without the store's bounds checks.
            int[][] counts = {positive.counts, negative.counts};
            int[] offsets = {positive.offset - positive.start, negative.offset - negative.start};
            for (int i = from; i < to; i++) {
                int code = keys[i - from];
                if (code != NOT_COUNTED) {
                    int sign = code & 1;
                    counts[sign][(code >> 1) - offsets[sign]]++;
                }
            }
            return;
        }
        for (int i = from; i < to; i++) {
            int code = keys[i - from];
            if (code != NOT_COUNTED) {
                ((code & 1) == 0 ? positive : negative).add(code >> 1, 1);
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
        for (int i = negative.length - 1; i >= 0; i--) {
            seen += negative.count(i);
            if (seen > rank) {
                return -value(negative.offset + i);
            }
        }
        seen += zeros;
        if (seen > rank) {
            return 0;
        }
        for (int i = 0; i < positive.length; i++) {
            seen += positive.count(i);
            if (seen > rank) {
                return value(positive.offset + i);
            }
        }
        return value(positive.offset + positive.length - 1);
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
        for (int i = 0; i < negative.length; i++) {
            if (negative.count(i) > 0) {
                visitor.visit(-value(negative.offset + i), negative.count(i));
            }
        }
        if (zeros > 0) {
            visitor.visit(0, zeros);
        }
        for (int i = 0; i < positive.length; i++) {
            if (positive.count(i) > 0) {
                visitor.visit(value(positive.offset + i), positive.count(i));
            }
        }
    }

    /** The bucket of a positive, finite magnitude. */
    static int key(double magnitude) {
        return (int) Math.ceil(M * log2(magnitude));
    }

    private static int zeroBits() {
        float f = (float) ZERO;
        return Float.floatToRawIntBits((double) f <= ZERO ? f : Math.nextDown(f));
    }

    /** {@link #key} of the positive, normal float with these bits: the same bucket, read from the float's fields. */
    private static int key(int floatBits) {
        return (int) Math.ceil(M * log2((floatBits & 0x7fffff) * 0x1p-23, (floatBits >>> 23) - 127));
    }

    /** The representative of a bucket: 2·lo·hi/(lo + hi) of its bounds, within relative α of both. */
    static double value(int key) {
        int i = key - VALUE_LOW;
        return i >= 0 && i < VALUES.length ? VALUES[i] : representative(key);
    }

    /** The cubically interpolated log2 of a positive, finite, normal double. */
    static double log2(double v) {
        long bits = Double.doubleToRawLongBits(v);
        return log2((bits & 0xfffffffffffffL) * 0x1p-52, (int) ((bits >>> 52) & 0x7ff) - 1023);
    }

    /** log2~ of 2^e·(1 + s), s in [0, 1). */
    private static double log2(double s, int e) {
        return ((A * s + B) * s + C) * s + e;
    }

    /** The inverse of {@link #log2}, by bisection on the mantissa (the cubic is increasing on [0, 1]). */
    static double exp2(double y) {
        double e = Math.floor(y);
        double t = y - e;
        double lo = 0;
        double hi = 1;
        for (int i = 0; i < 64 && lo < hi; i++) {
            double mid = (lo + hi) / 2;
            if (mid <= lo || mid >= hi) {
                break;
            }
            if (log2(mid, 0) < t) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return Math.scalb(1 + (lo + hi) / 2, (int) e);
    }

    private static double representative(int key) {
        double lo = exp2((key - 1) / M);
        double hi = exp2(key / M);
        return 2 * lo * hi / (lo + hi);
    }

    private static double[] values(int low, int high) {
        double[] v = new double[high - low + 1];
        for (int k = low; k <= high; k++) {
            v[k - low] = representative(k);
        }
        return v;
    }

    /**
     * Counts of consecutive keys from offset, at counts[start, start + length): a store begins either empty, or as
     * its neuron's part of a block's arena covering the typical keys; it grows as keys arrive (into an array of its
     * own), collapsing the lowest beyond MAX_BUCKETS. Serialized as its own buckets only, never the arena.
     */
    private static final class Store implements Serializable {
        private static final long serialVersionUID = 2L;
        int offset;
        int length;
        transient int[] counts = new int[0];
        transient int start;

        Store() {
        }

        Store(int[] arena, int start) {
            this.counts = arena;
            this.start = start;
            this.offset = TYPICAL_LOW;
            this.length = TYPICAL_SPAN;
        }

        int count(int i) {
            return counts[start + i];
        }

        void add(int key, int count) {
            if (length == 0) {
                offset = key - FIRST / 2;
                counts = new int[FIRST];
                start = 0;
                length = FIRST;
            }
            if (key < offset || key >= offset + length) {
                grow(key);
            }
            int at = Math.max(key, offset) - offset;
            counts[start + at] += count;
        }

        /**
         * Makes room for keys low..high when they fit in MAX_BUCKETS with the keys held; otherwise leaves the store
         * to grow (and collapse) key by key in {@link #add}, so that counts never depend on how adds were grouped.
         *
         * @return whether every key low..high now has its own bucket
         */
        boolean reserve(int low, int high) {
            if (low > high) {
                return true;
            }
            int spanLow = length == 0 ? low : Math.min(offset, low);
            int spanHigh = length == 0 ? high + 1 : Math.max(offset + length, high + 1);
            if (spanHigh - spanLow > MAX_BUCKETS) {
                return false;
            }
            if (length == 0) {
                offset = Math.min(low, TYPICAL_LOW);
                int end = Math.max(high + 1, TYPICAL_HIGH + 1);
                if (end - offset > MAX_BUCKETS) {
                    offset = low;
                    end = high + 1;
                }
                counts = new int[end - offset];
                start = 0;
                length = counts.length;
                return true;
            }
            if (low < offset) {
                grow(low);
            }
            if (high >= offset + length) {
                grow(high);
            }
            return low >= offset && high < offset + length;
        }

        /**
         * Covers key, with room on the side that grew for half as many keys again as the store spans: growing by a
         * fixed step copied the whole store every few new keys, which made filling a store quadratic (it was most of
         * the examples job's host time). Beyond MAX_BUCKETS the smallest keys collapse, never the needed high end.
         */
        private void grow(int key) {
            int low = Math.min(offset, key);
            int high = Math.max(offset + length, key + 1);
            int room = Math.max(SLACK, (high - low) / 2);
            if (key < offset) {
                low -= room;
            } else {
                high += room;
            }
            if (high - low > MAX_BUCKETS) {
                int needed = Math.max(offset + length, key + 1);
                high = Math.min(high, Math.max(needed, low + MAX_BUCKETS));
                low = high - MAX_BUCKETS;
            }
            int[] grown = new int[high - low];
            for (int i = 0; i < length; i++) {
                int k = offset + i;
                grown[Math.max(k, low) - low] += counts[start + i];
            }
            offset = low;
            counts = grown;
            start = 0;
            length = grown.length;
        }

        void merge(Store other) {
            for (int i = 0; i < other.length; i++) {
                int c = other.count(i);
                if (c > 0) {
                    add(other.offset + i, c);
                }
            }
        }

        long total() {
            long t = 0;
            for (int i = 0; i < length; i++) {
                t += counts[start + i];
            }
            return t;
        }

        private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
            out.defaultWriteObject();
            out.writeObject(Arrays.copyOfRange(counts, start, start + length));
        }

        private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
            in.defaultReadObject();
            counts = (int[]) in.readObject();
            start = 0;
        }

        @Override
        public String toString() {
            return offset + Arrays.toString(Arrays.copyOfRange(counts, start, start + length));
        }
    }
}
