package io.neuronatlas.compute.examples;

/**
 * Sums of doubles whose result does not depend on the order they are added in, so that statistics merged across any
 * partitioning of a corpus are the same bits. Each addend is split into its floor (a long) and its fraction in units
 * of 2^-52 (a long); both parts add exactly, with the fraction's whole units carried over. Addends lose what lies
 * below 2^-52 (absolute), deterministically, since the split is a function of the addend alone. Works on arrays of
 * many sums (one per neuron) without an object per sum.
 */
final class ExactSum {
    private static final int FRACTION_BITS = 52;
    private static final long FRACTION_MASK = (1L << FRACTION_BITS) - 1;
    private static final long CARRY_AT = 1L << 61;

    private ExactSum() {
    }

    /** whole[i] + fraction[i]·2^-52 += x; |x| must stay below 2^62. */
    static void add(long[] whole, long[] fraction, int i, double x) {
        double floor = Math.floor(x);
        long units = (long) Math.scalb(x - floor, FRACTION_BITS);
        whole[i] += (long) floor;
        long f = fraction[i] + units;
        if (f >= CARRY_AT) {
            whole[i] += f >>> FRACTION_BITS;
            f &= FRACTION_MASK;
        }
        fraction[i] = f;
    }

    /** Adds sum j of the other arrays into sum i. */
    static void merge(long[] whole, long[] fraction, int i, long otherWhole, long otherFraction) {
        long carried = (fraction[i] >>> FRACTION_BITS) + (otherFraction >>> FRACTION_BITS);
        long f = (fraction[i] & FRACTION_MASK) + (otherFraction & FRACTION_MASK);
        whole[i] += otherWhole + carried + (f >>> FRACTION_BITS);
        fraction[i] = f & FRACTION_MASK;
    }

    /** The sum as a double: rounded once, from its canonical (whole, fraction) form. */
    static double value(long whole, long fraction) {
        long w = whole + (fraction >>> FRACTION_BITS);
        long f = fraction & FRACTION_MASK;
        return (double) w + Math.scalb((double) f, -FRACTION_BITS);
    }
}
