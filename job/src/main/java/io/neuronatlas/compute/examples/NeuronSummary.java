package io.neuronatlas.compute.examples;

import java.util.ArrayList;
import java.util.List;

/**
 * One neuron's statistics over every position seen and its examples, from a merged {@link NeuronBlock}. An
 * expert's neuron has seen only the positions routed to its expert: count, moments, quantiles, histogram and density
 * are over those, and every example's extreme position is one of them.
 *
 * @param expert     the atlas's expert column: null for a dense MLP's neuron
 * @param quantiles  p50, p90, p99, p99.9 ({@link #QUANTILES}), each within relative error {@link RelativeSketch#ALPHA}
 * @param histogram  ({@link #BINS}) counts in equal bins over [min, max]
 * @param density    the share of positions with |activation| above {@link #DENSITY_FRACTION} of the largest |activation|
 * @param largest    the top examples, largest first
 * @param smallest   the most negative examples, most negative first
 * @param bands      examples drawn uniformly from each quantile band of {@link #BANDS}, in band order
 */
public record NeuronSummary(int layer, String expert, int neuron, long count, double mean, double std, float min, float max,
                            double[] quantiles, long[] histogram, double density, List<Example> largest,
                            List<Example> smallest, List<List<Example>> bands) implements java.io.Serializable {
    public static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999};
    public static final int BINS = 50;
    public static final double DENSITY_FRACTION = 0.1;
    /** OpenAI's neuron viewer's bands: [0.5, 0.9], [0.9, 0.99], [0.99, 0.999]. */
    public static final double[][] BANDS = {{0.5, 0.9}, {0.9, 0.99}, {0.99, 0.999}};
    public static final List<String> BAND_NAMES = List.of("q50-90", "q90-99", "q99-99.9");
    public static final int BAND_EXAMPLES = 3;

    /** Every neuron of a merged block. */
    public static List<NeuronSummary> of(NeuronBlock block) {
        List<NeuronSummary> out = new ArrayList<>(block.count);
        for (int i = 0; i < block.count; i++) {
            out.add(of(block, i));
        }
        return out;
    }

    private static NeuronSummary of(NeuronBlock b, int i) {
        long n = b.positions[i];
        RelativeSketch sketch = b.sketches[i];
        double mean = n == 0 ? Double.NaN : ExactSum.value(b.sumWhole[i], b.sumFraction[i]) / n;
        double meanSquare = n == 0 ? Double.NaN : ExactSum.value(b.squareWhole[i], b.squareFraction[i]) / n;
        double std = Math.sqrt(Math.max(0, meanSquare - mean * mean));
        double[] q = new double[QUANTILES.length];
        for (int k = 0; k < q.length; k++) {
            q[k] = clamp(sketch.quantile(QUANTILES[k]), b.min[i], b.max[i]);
        }
        long[] histogram = n == 0 ? new long[BINS] : sketch.histogram(b.min[i], b.max[i], BINS);
        double maxAbs = Math.max(Math.abs(b.min[i]), Math.abs(b.max[i]));
        double density = n == 0 ? Double.NaN : (double) sketch.countAbove(DENSITY_FRACTION * maxAbs) / n;
        List<Example> sample = b.sample.sorted(i);
        List<List<Example>> bands = new ArrayList<>();
        for (double[] band : BANDS) {
            double lo = clamp(sketch.quantile(band[0]), b.min[i], b.max[i]);
            double hi = clamp(sketch.quantile(band[1]), b.min[i], b.max[i]);
            List<Example> in = new ArrayList<>();
            for (Example e : sample) {
                if (in.size() < BAND_EXAMPLES && e.value() >= lo && e.value() <= hi) {
                    in.add(e);
                }
            }
            bands.add(in);
        }
        return new NeuronSummary(b.layer, b.expert, b.first + i, n, mean, std, b.min[i], b.max[i], q, histogram, density,
                b.largest.sorted(i), b.smallest.sorted(i), bands);
    }

    private static double clamp(double v, double lo, double hi) {
        return Double.isNaN(v) ? v : Math.min(hi, Math.max(lo, v));
    }
}
