package io.neuronatlas.compute.projection;

/**
 * The census's power sums of one score row in a single host pass: Σd, Σd², Σd³, Σd⁴ of the scores and of the
 * cosines (s − b[t])/‖U[t]‖, each shifted by its mean from the head's mean rows ({@link ShiftedSums}). On the CPU the
 * scores already live in host memory, and one fused loop in double replaces the dozen element-wise tensor passes
 * (each allocating and walking rows × vocab floats) that the same sums take as separate torch ops.
 */
final class CensusPass {
    private CensusPass() {
    }

    /**
     * @param scores       row-major score rows; the row starts at {@code offset}
     * @param geometry     the head's rows: inverse norms and bias
     * @param scoreShift   the row's mean score (near enough)
     * @param cosShift     the row's mean of (s − b)/‖U[t]‖ (near enough)
     * @param sums         out: [Σd, Σd², Σd³, Σd⁴] of the scores, then the same of the cosines
     */
    static void sums(float[] scores, int offset, LmHead.RowGeometry geometry, double scoreShift, double cosShift,
                     double[] sums) {
        float[] inverse = geometry.inverseNorms();
        float[] bias = geometry.bias();
        int vocab = inverse.length;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        double s4 = 0;
        double c1 = 0;
        double c2 = 0;
        double c3 = 0;
        double c4 = 0;
        for (int t = 0; t < vocab; t++) {
            double s = scores[offset + t];
            double d = s - scoreShift;
            double dd = d * d;
            s1 += d;
            s2 += dd;
            s3 += dd * d;
            s4 += dd * dd;
            double u = (bias == null ? s : s - bias[t]) * inverse[t] - cosShift;
            double uu = u * u;
            c1 += u;
            c2 += uu;
            c3 += uu * u;
            c4 += uu * uu;
        }
        sums[0] = s1;
        sums[1] = s2;
        sums[2] = s3;
        sums[3] = s4;
        sums[4] = c1;
        sums[5] = c2;
        sums[6] = c3;
        sums[7] = c4;
    }
}
