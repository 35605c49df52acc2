package io.neuronatlas.compute.projection;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Independent float64 reference for {@link Projector}: plain loops over the same float weights, a full
 * sort of the vocabulary with the (p·s desc, id asc) rule, softmax and statistics in double. Public so
 * that end-to-end tests in other packages can check whole atlases against it.
 */
public final class ReferenceProjection {
    public static final int TOP_MEAN = 100;

    /** Results of one neuron; polarity index 0 '+', 1 '−'. */
    public static final class Neuron {
        public double[] scores;          // [vocab] raw s
        public int[][] ids;              // [2][k]
        public double[][] rankScores;    // [2][k] raw s at each rank
        public double[][] probs;         // [2][vocab] softmax(p·s)
        public double[][] normProbs;     // [2][vocab]
        public double[] lse = new double[2];
        public double[] topMean = new double[2];
        public double norm;
        public double max;
        public double min;
        public double mean;
        public double std;
        public double maxAbs;
        public double entropy;
    }

    private ReferenceProjection() {
    }

    /** x holds count neuron vectors of d floats, row-major; u is the [vocab, d] head. */
    public static Neuron[] compute(float[] u, int vocab, int d, float[] x, int count, int k) {
        return compute(u, vocab, d, x, count, k, null, 0);
    }

    /**
     * With a per-token bias added to every score (null for none) and a softcap c (0 for none): the softmax is over
     * the logits c·tanh(s/c), the scores and their statistics are not capped.
     */
    public static Neuron[] compute(float[] u, int vocab, int d, float[] x, int count, int k, float[] bias,
                                   double softcap) {
        Neuron[] out = new Neuron[count];
        for (int n = 0; n < count; n++) {
            out[n] = neuron(u, vocab, d, x, n * d, k, bias, softcap);
        }
        return out;
    }

    public static Neuron neuron(float[] u, int vocab, int d, float[] x, int off, int k) {
        return neuron(u, vocab, d, x, off, k, null, 0);
    }

    public static Neuron neuron(float[] u, int vocab, int d, float[] x, int off, int k, float[] bias,
                                double softcap) {
        Neuron r = new Neuron();
        double sq = 0;
        for (int j = 0; j < d; j++) {
            sq += (double) x[off + j] * x[off + j];
        }
        r.norm = Math.sqrt(sq);
        double[] s = new double[vocab];
        for (int t = 0; t < vocab; t++) {
            double acc = 0;
            for (int j = 0; j < d; j++) {
                acc += (double) x[off + j] * (double) u[t * d + j];
            }
            s[t] = acc + (bias == null ? 0 : bias[t]);
        }
        double[] logits = new double[vocab];
        for (int t = 0; t < vocab; t++) {
            logits[t] = softcap > 0 ? softcap * Math.tanh(s[t] / softcap) : s[t];
        }
        r.scores = s;
        r.max = Arrays.stream(s).max().getAsDouble();
        r.min = Arrays.stream(s).min().getAsDouble();
        r.maxAbs = Math.max(Math.abs(r.max), Math.abs(r.min));
        double sum = 0;
        for (double v : s) {
            sum += v;
        }
        r.mean = sum / vocab;
        double var = 0;
        for (double v : s) {
            var += (v - r.mean) * (v - r.mean);
        }
        r.std = Math.sqrt(var / vocab);

        r.ids = new int[2][k];
        r.rankScores = new double[2][k];
        r.probs = new double[2][vocab];
        r.normProbs = new double[2][vocab];
        for (int p = 0; p < 2; p++) {
            double sign = p == 0 ? 1 : -1;
            double[] ps = new double[vocab];
            for (int t = 0; t < vocab; t++) {
                ps[t] = sign * s[t];
            }
            Integer[] order = new Integer[vocab];
            for (int t = 0; t < vocab; t++) {
                order[t] = t;
            }
            Arrays.sort(order, Comparator.<Integer>comparingDouble(t -> -ps[t]).thenComparingInt(t -> t));
            for (int i = 0; i < k; i++) {
                r.ids[p][i] = order[i];
                r.rankScores[p][i] = s[order[i]];
            }
            double top = sign * logits[order[0]];
            double z = 0;
            for (int t = 0; t < vocab; t++) {
                z += Math.exp(sign * logits[t] - top);
            }
            r.lse[p] = top + Math.log(z);
            for (int t = 0; t < vocab; t++) {
                r.probs[p][t] = Math.exp(sign * logits[t] - r.lse[p]);
            }
            int m = Math.min(TOP_MEAN, vocab);
            double topSum = 0;
            for (int i = 0; i < m; i++) {
                topSum += r.probs[p][order[i]];
            }
            r.topMean[p] = topSum / m;
            for (int t = 0; t < vocab; t++) {
                r.normProbs[p][t] = r.probs[p][t] / r.topMean[p];
            }
        }
        double h = 0;
        for (int t = 0; t < vocab; t++) {
            // −p·log p with log p = s − lse exactly, so underflowed probabilities contribute 0, not NaN.
            h += r.probs[0][t] * (r.lse[0] - logits[t]);
        }
        r.entropy = h;
        return r;
    }
}
