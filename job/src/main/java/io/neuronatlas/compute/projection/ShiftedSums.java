package io.neuronatlas.compute.projection;

/**
 * Skew and Pearson kurtosis of n values from their power sums about a shift c close to their mean: Σd, Σd², Σd³,
 * Σd⁴ with d = x − c. Raw sums about 0 would cancel catastrophically in float32 when the mean is large next to the
 * spread (scores share a common direction of the head); about a shift near the mean, the sums are of small terms
 * and the correction for the shift's own error (m1 = Σd/n) is tiny, taken here in double.
 */
final class ShiftedSums {
    private ShiftedSums() {
    }

    /** The central moments m2, m3, m4 of n values from the shifted sums. */
    static double[] centralMoments(double n, double s1, double s2, double s3, double s4) {
        double m1 = s1 / n;
        double e2 = s2 / n;
        double e3 = s3 / n;
        double e4 = s4 / n;
        double m2 = e2 - m1 * m1;
        double m3 = e3 - 3 * m1 * e2 + 2 * m1 * m1 * m1;
        double m4 = e4 - 4 * m1 * e3 + 6 * m1 * m1 * e2 - 3 * m1 * m1 * m1 * m1;
        return new double[] {m2, m3, m4};
    }

    /** m3 / m2^1.5; 0 when the values are all equal. */
    static double skew(double[] central) {
        return central[0] > 0 ? central[1] / Math.pow(central[0], 1.5) : 0;
    }

    /** m4 / m2² (a Gaussian's is 3); 0 when the values are all equal. */
    static double kurtosis(double[] central) {
        return central[0] > 0 ? central[2] / (central[0] * central[0]) : 0;
    }
}
