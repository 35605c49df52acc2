package io.neuronatlas.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.checkpoint.tokenizer.PromptEncoder;
import io.neuronatlas.compute.ExecutorResources;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.compute.forward.ClampScope;
import io.neuronatlas.compute.forward.ClampSweep;
import io.neuronatlas.compute.forward.ClampSweeper;
import io.neuronatlas.compute.forward.DecoderModel;
import io.neuronatlas.compute.forward.NeuronRef;
import io.neuronatlas.compute.forward.Precision;
import io.neuronatlas.compute.forward.SweepPoint;
import io.neuronatlas.compute.forward.ValueRange;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.testing.TestSpark;
import io.neuronatlas.testing.Validations;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * validate on a mapped checkpoint with a planted causal neuron: the planted neuron comes out first by causal effect,
 * every clamp_sweeps row equals a direct ClampSweeper run (no Spark, no Parquet), and every neuron_validation row
 * equals the aggregation recomputed here from those rows with plain loops.
 */
class ValidateJobTest {
    /** Probabilities and logits: float32 math on both paths, the same operations, so equal up to a few ulps. */
    static final double TOLERANCE = 1e-6;
    static final ValueRange VALUES = new ValueRange(-100, 100, 11);

    static Validations.Fixture fixture;

    @BeforeAll
    static void mapThePlantedCheckpoint() throws Exception {
        fixture = Validations.shared();
    }

    @AfterAll
    static void freeModels() throws Exception {
        ExecutorResources.clear();
    }

    static ValidateJob.Options options(String token, int candidates) {
        return new ValidateJob.Options(fixture.model(), fixture.atlas().toString(), null, token,
                Validations.PROMPTS, false, candidates, VALUES, ClampScope.ALL, DeviceMode.CPU, Precision.FP32);
    }

    static ValidateJob.Outcome validate(ValidateJob.Options o) throws Exception {
        return new ValidateJob(TestSpark.session(), new PrintStream(OutputStream.nullOutputStream()),
                PublishListener.NONE).validate(o);
    }

    @Test
    void thePlantedNeuronIsFirstAndTheTablesMatchADirectSweep() throws Exception {
        ValidateJob.Outcome outcome = validate(options(" dog", 6));
        assertEquals("new checkpoint", outcome.reason());
        Atlas atlas = Atlas.open(TestSpark.session(), fixture.atlas().toString());
        List<Row> ranked = atlas.sql("SELECT * FROM neuron_validation WHERE checkpoint = 'tiny-dog' "
                + "ORDER BY causal_rank").collectAsList();
        assertEquals(outcome.candidates(), ranked.size());
        assertTrue(ranked.size() >= 3, "too few candidates to rank: " + ranked);
        Row first = ranked.get(0);
        assertEquals(List.of(Validations.PLANTED.layer(), Validations.PLANTED.neuron()),
                List.of(first.<Integer>getAs("layer"), first.<Integer>getAs("neuron")), ranked.toString());
        assertTrue(first.<Boolean>getAs("monotonic"), "the planted curve rises with the value: " + first);
        assertEquals(100.0, first.<Double>getAs("best_value"));
        assertEquals(1, first.<Integer>getAs("rank_at_best"));

        List<Row> sweeps = atlas.sql("SELECT * FROM clamp_sweeps WHERE checkpoint = 'tiny-dog' AND subject = '"
                + ValidateJob.subject(fixture.written().id(" dog")) + "'").collectAsList();
        assertEquals(ranked.size() * Validations.PROMPTS.size() * VALUES.count(), sweeps.size());
        for (Row r : sweeps) {
            if (r.<Integer>getAs("layer") == Validations.PLANTED.layer()
                    && r.<Integer>getAs("neuron") == Validations.PLANTED.neuron()) {
                assertTrue(r.<Double>getAs("natural_activation") > 5, "the prompts end in the trigger: " + r);
            }
        }
        checkAgainstDirectSweeps(sweeps);
        checkAggregation(ranked, sweeps);

        // Unchanged weights, prompts and candidates: up to date, nothing recomputed.
        assertNull(validate(options(" dog", 6)).reason());
        // Another token is another subject: both stay published.
        validate(options(" cat", 2));
        Atlas again = Atlas.open(TestSpark.session(), fixture.atlas().toString());
        assertEquals(2, again.sql("SELECT DISTINCT target FROM neuron_validation").count());
    }

    /** Each row against ClampSweeper run here on the same prompt, neuron and values. */
    private static void checkAgainstDirectSweeps(List<Row> rows) throws Exception {
        int dog = fixture.written().id(" dog");
        Map<String, SweepPoint> direct = new HashMap<>();
        try (DecoderModel model = DecoderModel.load(fixture.model(), Device.cpu(), Precision.FP32);
             PromptEncoder encoder = PromptEncoder.open(fixture.model(), 512)) {
            ClampSweeper sweeper = new ClampSweeper(model);
            List<NeuronRef> neurons = rows.stream().map(r -> new NeuronRef(r.<Integer>getAs("layer"),
                    r.<Integer>getAs("neuron"))).distinct().toList();
            for (int p = 0; p < Validations.PROMPTS.size(); p++) {
                for (ClampSweep s : sweeper.sweep(encoder.encode(Validations.PROMPTS.get(p)), neurons,
                        VALUES.values(), dog, ClampScope.ALL)) {
                    for (SweepPoint point : s.points()) {
                        direct.put(key(s.neuron().layer(), s.neuron().index(), p, point.value()), point);
                    }
                }
            }
        }
        for (Row r : rows) {
            SweepPoint expected = direct.get(key(r.getAs("layer"), r.getAs("neuron"), r.getAs("prompt_index"),
                    r.getAs("value")));
            assertEquals(expected.stats().targetProb(), r.<Double>getAs("target_prob"), TOLERANCE, r.toString());
            assertEquals(expected.stats().targetLogit(), r.<Double>getAs("target_logit"), 1e-4, r.toString());
            assertEquals(expected.stats().targetRank(), r.<Integer>getAs("target_rank"), r.toString());
            assertEquals(expected.stats().top1Id(), r.<Integer>getAs("top1_id"), r.toString());
            assertEquals("all", r.getAs("scope"));
        }
    }

    private static String key(int layer, int neuron, int prompt, double value) {
        return layer + "/" + neuron + "/" + prompt + "/" + value;
    }

    /** The neuron_validation columns recomputed from the curves with plain loops, as CausalEffect documents them. */
    private static void checkAggregation(List<Row> ranked, List<Row> sweeps) {
        double[] values = VALUES.values();
        int prompts = Validations.PROMPTS.size();
        List<double[]> effects = new ArrayList<>();
        for (Row v : ranked) {
            double[][] prob = new double[prompts][values.length];
            int[][] rank = new int[prompts][values.length];
            double[] baseline = new double[prompts];
            for (Row s : sweeps) {
                if (s.<Integer>getAs("layer").equals(v.getAs("layer"))
                        && s.<Integer>getAs("neuron").equals(v.getAs("neuron"))) {
                    int p = s.getAs("prompt_index");
                    int j = Arrays.binarySearch(values, s.<Double>getAs("value"));
                    prob[p][j] = s.getAs("target_prob");
                    rank[p][j] = s.getAs("target_rank");
                    baseline[p] = s.getAs("baseline_prob");
                }
            }
            double[] mean = new double[values.length];
            for (int j = 0; j < values.length; j++) {
                for (int p = 0; p < prompts; p++) {
                    mean[j] += prob[p][j] / prompts;
                }
            }
            int best = 0;
            for (int j = 1; j < values.length; j++) {
                best = mean[j] > mean[best] ? j : best;
            }
            double delta = 0;
            int[] ranks = new int[prompts];
            boolean up = true;
            boolean down = true;
            for (int p = 0; p < prompts; p++) {
                delta += (odds(prob[p][best]) - odds(baseline[p])) / prompts;
                ranks[p] = rank[p][best];
                for (int j = 1; j < values.length; j++) {
                    up &= prob[p][j] >= prob[p][j - 1] - 1e-6;
                    down &= prob[p][j] <= prob[p][j - 1] + 1e-6;
                }
            }
            Arrays.sort(ranks);
            String row = v.toString();
            assertEquals(Arrays.stream(baseline).average().orElseThrow(), v.<Double>getAs("baseline_prob"), 1e-12,
                    row);
            assertEquals(mean[values.length - 1], v.<Double>getAs("prob_at_max_value"), 1e-12, row);
            assertEquals(mean[0], v.<Double>getAs("prob_at_min_value"), 1e-12, row);
            assertEquals(values[best], v.<Double>getAs("best_value"), 0, row);
            assertEquals(mean[best], v.<Double>getAs("prob_at_best"), 1e-12, row);
            assertEquals(ranks[(prompts - 1) / 2], v.<Integer>getAs("rank_at_best"), row);
            assertEquals(delta, v.<Double>getAs("delta_log_odds"), 1e-9, row);
            assertEquals(up || down, v.<Boolean>getAs("monotonic"), row);
            assertEquals(prompts, v.<Integer>getAs("prompts"), row);
            effects.add(new double[] {delta});
        }
        for (int i = 1; i < effects.size(); i++) {
            assertFalse(effects.get(i)[0] > effects.get(i - 1)[0], "not ordered by causal effect: " + ranked);
        }
    }

    private static double odds(double p) {
        double q = Math.min(1 - 1e-12, Math.max(1e-12, p));
        return Math.log(q / (1 - q));
    }
}
