package io.neuronatlas.compute.forward;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * What clamping one neuron does to a target token, aggregated over the prompts it was swept on: the row of the
 * neuron_validation table.
 *
 * <p>Aggregation: the curves of all prompts share the clamp values. The mean curve is the target's probability at
 * each value averaged over the prompts; {@code probAtMaxValue} and {@code probAtMinValue} are the mean curve at the
 * most positive and the most negative value, {@code bestValue} the value where the mean curve is highest (the first on
 * ties) and {@code probAtBest} its height there. {@code rankAtBest} is the median (the lower one for an even count) of
 * the target's rank at that value over the prompts. {@code deltaLogOdds} is the mean over prompts of
 * log(p/(1−p)) at the best value minus the same at the unclamped baseline, the probabilities held within [1e-12,
 * 1 − 1e-12] so a saturated softmax stays finite: how far the neuron can push the target, the causal effect the
 * candidates are ranked by. {@code monotonic}: every prompt's curve, read in order of value, never falls (or every
 * one never rises) by more than {@link #MONOTONIC_TOLERANCE}, float32 softmax noise.
 */
public record CausalEffect(Candidate candidate, ClampScope scope, int targetId, int prompts, double baselineProb,
                           double probAtMaxValue, double probAtMinValue, double bestValue, double probAtBest,
                           int rankAtBest, double deltaLogOdds, boolean monotonic, int causalRank)
        implements Serializable {
    /** Probability steps smaller than this do not break monotonicity: the rounding of a float32 softmax. */
    public static final double MONOTONIC_TOLERANCE = 1e-6;
    static final double PROB_FLOOR = 1e-12;

    public NeuronRef neuron() {
        return candidate.neuron();
    }

    /**
     * Aggregates one neuron's sweeps (one per prompt, same values and target) into its row, unranked (causalRank 0).
     */
    public static CausalEffect of(Candidate candidate, List<ClampSweep> sweeps) {
        if (sweeps.isEmpty()) {
            throw new IllegalArgumentException("no sweeps of " + candidate.neuron() + " to aggregate");
        }
        ClampSweep first = sweeps.get(0);
        int values = first.points().size();
        for (ClampSweep s : sweeps) {
            if (!s.neuron().equals(candidate.neuron()) || s.points().size() != values
                    || s.targetId() != first.targetId() || s.scope() != first.scope()) {
                throw new IllegalArgumentException("sweeps of " + candidate.neuron() + " differ in neuron, values, "
                        + "target or scope");
            }
        }
        Integer[] order = new Integer[values]; // point indices by ascending value
        for (int j = 0; j < values; j++) {
            order[j] = j;
        }
        Arrays.sort(order, Comparator.comparingDouble(j -> first.points().get(j).value()));
        double[] mean = new double[values];
        double baseline = 0;
        for (ClampSweep s : sweeps) {
            baseline += s.baseline().targetProb() / sweeps.size();
            for (int j = 0; j < values; j++) {
                mean[j] += s.points().get(j).stats().targetProb() / sweeps.size();
            }
        }
        int best = 0;
        for (int j = 1; j < values; j++) {
            if (mean[j] > mean[best]) {
                best = j;
            }
        }
        int[] ranks = new int[sweeps.size()];
        double deltaLogOdds = 0;
        boolean rising = true;
        boolean falling = true;
        for (int i = 0; i < sweeps.size(); i++) {
            ClampSweep s = sweeps.get(i);
            ranks[i] = s.points().get(best).stats().targetRank();
            deltaLogOdds += (logOdds(s.points().get(best).stats().targetProb())
                    - logOdds(s.baseline().targetProb())) / sweeps.size();
            for (int j = 1; j < values; j++) {
                double step = s.points().get(order[j]).stats().targetProb()
                        - s.points().get(order[j - 1]).stats().targetProb();
                rising &= step >= -MONOTONIC_TOLERANCE;
                falling &= step <= MONOTONIC_TOLERANCE;
            }
        }
        Arrays.sort(ranks);
        return new CausalEffect(candidate, first.scope(), first.targetId(), sweeps.size(), baseline,
                mean[order[values - 1]], mean[order[0]], first.points().get(best).value(), mean[best],
                ranks[(ranks.length - 1) / 2], deltaLogOdds, rising || falling, 0);
    }

    /** log(p / (1 − p)), p held within [1e-12, 1 − 1e-12]. */
    static double logOdds(double p) {
        double q = Math.min(1 - PROB_FLOOR, Math.max(PROB_FLOOR, p));
        return Math.log(q) - Math.log1p(-q);
    }

    /** The effects ordered by causal effect (delta log-odds, highest first; ties by atlas rank), ranked from 1. */
    public static List<CausalEffect> rank(List<CausalEffect> effects) {
        List<CausalEffect> sorted = new ArrayList<>(effects);
        sorted.sort(Comparator.comparingDouble(CausalEffect::deltaLogOdds).reversed()
                .thenComparingInt(e -> e.candidate().atlasRank()));
        List<CausalEffect> ranked = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            CausalEffect e = sorted.get(i);
            ranked.add(new CausalEffect(e.candidate, e.scope, e.targetId, e.prompts, e.baselineProb,
                    e.probAtMaxValue, e.probAtMinValue, e.bestValue, e.probAtBest, e.rankAtBest, e.deltaLogOdds,
                    e.monotonic, i + 1));
        }
        return ranked;
    }
}
