package io.neuronatlas.compute.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The aggregation of curves over prompts, on hand-made curves whose answers are worked out in the comments. */
class CausalEffectTest {
    static final NeuronRef N = new NeuronRef(1, 2);
    static final double[] VALUES = {-10, 0, 10};

    static ClampSweep curve(double baseline, double[] probs, int[] ranks) {
        List<SweepPoint> points = new ArrayList<>();
        for (int j = 0; j < probs.length; j++) {
            points.add(new SweepPoint(VALUES[j], new NextTokenStats(probs[j], 0, ranks[j], 0, 0.5)));
        }
        return new ClampSweep(N, ClampScope.ALL, 7, 4, 1.0, new NextTokenStats(baseline, 0, 5, 0, 0.5), points);
    }

    static Candidate candidate(int atlasRank) {
        return new Candidate(N, atlasRank, 3.0, "up");
    }

    @Test
    void meansOverPromptsMedianRankAndLogOdds() {
        CausalEffect e = CausalEffect.of(candidate(1), List.of(
                curve(0.2, new double[] {0.1, 0.2, 0.5}, new int[] {9, 5, 1}),
                curve(0.4, new double[] {0.3, 0.4, 0.7}, new int[] {7, 3, 2})));
        assertEquals(0.3, e.baselineProb(), 1e-15);
        assertEquals(0.6, e.probAtMaxValue(), 1e-15); // (0.5 + 0.7) / 2
        assertEquals(0.2, e.probAtMinValue(), 1e-15); // (0.1 + 0.3) / 2
        assertEquals(10, e.bestValue());
        assertEquals(0.6, e.probAtBest(), 1e-15);
        assertEquals(1, e.rankAtBest()); // ranks 1 and 2: the lower median
        // ln(0.5/0.5) − ln(0.2/0.8) = ln 4; ln(0.7/0.3) − ln(0.4/0.6) = ln 3.5; mean of the two
        assertEquals((Math.log(4) + Math.log(3.5)) / 2, e.deltaLogOdds(), 1e-12);
        assertTrue(e.monotonic());
        assertEquals(2, e.prompts());
    }

    @Test
    void monotonicMeansEveryPromptTheSameWay() {
        ClampSweep rising = curve(0.2, new double[] {0.1, 0.2, 0.5}, new int[] {3, 2, 1});
        ClampSweep falling = curve(0.2, new double[] {0.5, 0.2, 0.1}, new int[] {1, 2, 3});
        ClampSweep dip = curve(0.2, new double[] {0.3, 0.1, 0.5}, new int[] {2, 3, 1});
        ClampSweep noise = curve(0.2, new double[] {0.1, 0.2, 0.2 - 1e-7}, new int[] {3, 2, 2});
        assertTrue(CausalEffect.of(candidate(1), List.of(falling)).monotonic());
        assertFalse(CausalEffect.of(candidate(1), List.of(rising, falling)).monotonic());
        assertFalse(CausalEffect.of(candidate(1), List.of(dip)).monotonic());
        assertTrue(CausalEffect.of(candidate(1), List.of(noise)).monotonic(), "float noise below 1e-6");
        // A neuron that suppresses the target: its best value is the most negative one.
        assertEquals(-10, CausalEffect.of(candidate(1), List.of(falling)).bestValue());
    }

    @Test
    void rankedByDeltaLogOddsThenAtlasRank() {
        CausalEffect weak = CausalEffect.of(candidate(1), List.of(curve(0.2, new double[] {0.1, 0.2, 0.3},
                new int[] {3, 2, 1})));
        CausalEffect strong = CausalEffect.of(candidate(2), List.of(curve(0.2, new double[] {0.1, 0.2, 0.9},
                new int[] {3, 2, 1})));
        CausalEffect tie = CausalEffect.of(candidate(3), List.of(curve(0.2, new double[] {0.1, 0.2, 0.3},
                new int[] {3, 2, 1})));
        List<CausalEffect> ranked = CausalEffect.rank(List.of(tie, weak, strong));
        assertEquals(List.of(2, 1, 3), ranked.stream().map(e -> e.candidate().atlasRank()).toList());
        assertEquals(List.of(1, 2, 3), ranked.stream().map(CausalEffect::causalRank).toList());
    }

    @Test
    void saturatedProbabilitiesStayFinite() {
        CausalEffect e = CausalEffect.of(candidate(1), List.of(curve(0.0, new double[] {0.0, 0.0, 1.0},
                new int[] {500, 500, 1})));
        assertEquals(2 * Math.log((1 - 1e-12) / 1e-12), e.deltaLogOdds(), 1e-3);
    }
}
