package io.neuronatlas.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.checkpoint.tokenizer.PromptEncoder;
import io.neuronatlas.compute.ExecutorResources;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.compute.forward.ClampScope;
import io.neuronatlas.compute.forward.Precision;
import io.neuronatlas.compute.forward.ValueRange;
import io.neuronatlas.jobs.ExamplesJob;
import io.neuronatlas.jobs.ExamplesOptions;
import io.neuronatlas.jobs.ValidateJob;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.CannedQuery;
import io.neuronatlas.testing.HfFixture;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples, validate and the viewer's neuron page on a mixture of experts, against transformers itself: the qwen2_moe fixture (two layers of
 * four routed experts of 24 neurons, top 2, and a shared expert of 40), mapped, its three prompts as the corpus.
 * <ul>
 *   <li>examples: each recorded expert neuron's count, mean, max and min over exactly the tokens transformers' router
 *   sent to its expert (the fixture's activations, NaN elsewhere), its top and bottom examples where transformers
 *   has them; for every neuron of every expert, no example at a token not routed to it and no value in a window at
 *   one; the agreement with the map recomputed here from the map's rows of the same expert.</li>
 *   <li>validate: the fixture's clamped expert neuron as a candidate of one of its own top tokens; its swept
 *   probability at the fixture's clamp value is transformers' with that clamp, and it has a validation row.</li>
 *   <li>the site's sections: the expert neuron's page has its examples (the top one as in the table, window tokens not routed
 *   to the expert without a value), its statistics over its routed tokens and its validation.</li>
 * </ul>
 */
class ExpertNeuronsTest {
    /** Activations: transformers' and ours, both float32 through the same operations up to order. */
    static final double ACTIVATIONS = 1e-5;
    static final double PROBABILITIES = 1e-4;

    @TempDir
    static Path dir;
    static HfFixture fixture;
    static Path atlas;
    static String checkpoint;

    @BeforeAll
    static void mapAndExamine() throws Exception {
        fixture = HfFixture.load("qwen2_moe");
        checkpoint = fixture.modelDir().getFileName().toString();
        atlas = dir.resolve("atlas");
        Maps.of(fixture.modelDir(), atlas).topK(5).outcome();
        ObjectMapper json = new ObjectMapper();
        StringBuilder lines = new StringBuilder();
        try (PromptEncoder encoder = PromptEncoder.open(fixture.modelDir(), 272)) {
            for (int p = 0; p < fixture.promptCount(); p++) {
                String text = encoder.decode(fixture.prompt(p), false);
                // The corpus is read as the reference's prompts only if the text encodes back to their ids.
                assertArrayEquals(fixture.prompt(p), encoder.encode(text), "prompt " + p + " does not round-trip");
                lines.append(json.writeValueAsString(Map.of("id", "doc-" + p, "text", text))).append('\n');
            }
        }
        Path corpus = dir.resolve("corpus.jsonl");
        Files.writeString(corpus, lines.toString());
        ExamplesOptions o = ExamplesOptions.builder(fixture.modelDir(), atlas.toString()).corpus(corpus.toString())
                .segment(32).top(3).sample(4).batchSize(2).device(DeviceMode.CPU).build();
        new ExamplesJob(TestSpark.session(), new PrintStream(OutputStream.nullOutputStream())).examine(o);
    }

    @AfterAll
    static void freeModels() throws Exception {
        ExecutorResources.clear();
    }

    @Test
    void expertNeuronsSeeOnlyTheirRoutedTokens() throws Exception {
        Atlas a = Atlas.open(TestSpark.session(), atlas.toString());
        Map<String, Row> statistics = new HashMap<>();
        for (Row r : a.sql("SELECT layer, expert, neuron, count, mean, min, max FROM neuron_activations")
                .collectAsList()) {
            statistics.put(key(r.getAs("layer"), r.getAs("expert"), r.getAs("neuron")), r);
        }
        Map<String, List<Row>> examples = new HashMap<>();
        for (Row r : a.sql("SELECT layer, expert, neuron, kind, rank, activation, document_id, position, "
                + "window_start, activations, token_id FROM neuron_examples ORDER BY kind, rank").collectAsList()) {
            examples.computeIfAbsent(key(r.getAs("layer"), r.getAs("expert"), r.getAs("neuron")),
                    k -> new ArrayList<>()).add(r);
        }
        assertEquals(2 * (4 * 24 + 40), statistics.size(), "a row per neuron of every expert of both layers");
        List<HfFixture.Site> sites = fixture.sites();
        int checked = 0;
        for (int s = 0; s < sites.size(); s++) {
            HfFixture.Site site = sites.get(s);
            // routed[p][t]: whether transformers sent token t of prompt p to the expert (its activation is not NaN)
            float[][][] reference = new float[fixture.promptCount()][][];
            boolean[][] routed = new boolean[fixture.promptCount()][];
            long count = 0;
            for (int p = 0; p < reference.length; p++) {
                reference[p] = fixture.activations(s, p);
                routed[p] = new boolean[reference[p].length];
                for (int t = 0; t < routed[p].length; t++) {
                    routed[p][t] = !Float.isNaN(reference[p][t][0]);
                    count += routed[p][t] ? 1 : 0;
                }
            }
            int width = site.expert().equals("shared") ? 40 : 24;
            for (int n = 0; n < width; n++) {
                String where = "L" + site.layer() + ".E" + site.expert() + "." + n;
                Row stats = statistics.get(key(site.layer(), site.expert(), n));
                assertNotNull(stats, where + " has no statistics");
                assertEquals(count, stats.<Long>getAs("count"), where + ": routed tokens");
                for (Row e : examples.getOrDefault(key(site.layer(), site.expert(), n), List.of())) {
                    int p = Integer.parseInt(e.<String>getAs("document_id").substring(4));
                    int at = e.getAs("position");
                    assertTrue(routed[p][at], where + ": example at prompt " + p + " token " + at
                            + ", which is not routed to the expert: " + e);
                    List<Float> window = e.getList(e.fieldIndex("activations"));
                    int start = e.getAs("window_start");
                    for (int i = 0; i < window.size(); i++) {
                        assertEquals(!routed[p][start + i], Float.isNaN(window.get(i)), where + ": window value "
                                + window.get(i) + " at prompt " + p + " token " + (start + i));
                    }
                }
            }
            for (int k = 0; k < site.neurons().length; k++) {
                int n = site.neurons()[k];
                String where = "L" + site.layer() + ".E" + site.expert() + "." + n;
                Row stats = statistics.get(key(site.layer(), site.expert(), n));
                if (count == 0) {
                    assertFalse(examples.containsKey(key(site.layer(), site.expert(), n)), where + " never routed");
                    continue;
                }
                double sum = 0;
                float max = Float.NEGATIVE_INFINITY;
                float min = Float.POSITIVE_INFINITY;
                int[] argMax = null;
                int[] argMin = null;
                for (int p = 0; p < reference.length; p++) {
                    for (int t = 0; t < reference[p].length; t++) {
                        float v = reference[p][t][k];
                        if (Float.isNaN(v)) {
                            continue;
                        }
                        sum += v;
                        if (v > max) {
                            max = v;
                            argMax = new int[] {p, t};
                        }
                        if (v < min) {
                            min = v;
                            argMin = new int[] {p, t};
                        }
                    }
                }
                assertEquals(sum / count, stats.<Double>getAs("mean"), ACTIVATIONS, where + ": mean");
                assertEquals(max, stats.<Float>getAs("max"), ACTIVATIONS * Math.max(1, Math.abs(max)), where);
                assertEquals(min, stats.<Float>getAs("min"), ACTIVATIONS * Math.max(1, Math.abs(min)), where);
                List<Row> rows = examples.get(key(site.layer(), site.expert(), n));
                assertTop(where + " max", rows, "max", argMax, max);
                assertTop(where + " min", rows, "min", argMin, min);
                checked++;
            }
        }
        assertTrue(checked >= 20, "too few neurons had routed tokens to check: " + checked);
        checkAgreement(a);
    }

    /** The first example of a kind is transformers' extreme: the same prompt, token and value. */
    private static void assertTop(String where, List<Row> rows, String kind, int[] at, float value) {
        Row top = rows.stream().filter(r -> kind.equals(r.getAs("kind")) && r.<Integer>getAs("rank") == 1)
                .findFirst().orElseThrow(() -> new AssertionError(where + ": no example"));
        assertEquals("doc-" + at[0], top.getAs("document_id"), where + ": document");
        assertEquals(at[1], top.<Integer>getAs("position"), where + ": position");
        assertEquals(value, top.<Float>getAs("activation"), ACTIVATIONS * Math.max(1, Math.abs(value)), where);
    }

    /**
     * Each expert neuron's read agreement (the share of its max examples whose token is among its own expert's gate
     * or up top tokens), recomputed from the map's rows with a loop.
     */
    private static void checkAgreement(Atlas a) {
        Map<String, Set<Integer>> reads = new HashMap<>();
        for (Row r : a.sql("SELECT layer, expert, neuron, token_id FROM neuron_tokens WHERE matrix IN ('gate', 'up')")
                .collectAsList()) {
            reads.computeIfAbsent(key(r.getAs("layer"), r.getAs("expert"), r.getAs("neuron")), k -> new HashSet<>())
                    .add(r.getAs("token_id"));
        }
        Map<String, int[]> shares = new HashMap<>(); // hits, examples
        for (Row r : a.sql("SELECT layer, expert, neuron, token_id FROM neuron_examples WHERE kind = 'max'")
                .collectAsList()) {
            String k = key(r.getAs("layer"), r.getAs("expert"), r.getAs("neuron"));
            int[] s = shares.computeIfAbsent(k, x -> new int[2]);
            s[0] += reads.getOrDefault(k, Set.of()).contains(r.<Integer>getAs("token_id")) ? 1 : 0;
            s[1]++;
        }
        int withAgreement = 0;
        for (Row r : a.sql("SELECT layer, expert, neuron, read_agreement FROM neuron_activations").collectAsList()) {
            int[] s = shares.get(key(r.getAs("layer"), r.getAs("expert"), r.getAs("neuron")));
            if (s == null) {
                assertTrue(r.isNullAt(r.fieldIndex("read_agreement")), "no examples, no agreement: " + r);
                continue;
            }
            // avg() of decimals: 5 decimal places
            assertEquals((double) s[0] / s[1], r.<Double>getAs("read_agreement"), 1e-5, r.toString());
            withAgreement++;
        }
        assertTrue(withAgreement > 100, "expert neurons with an agreement: " + withAgreement);
    }

    @Test
    void validateSweepsAnExpertCandidateAsTransformersClampsIt() throws Exception {
        HfFixture.Clamp clamp = fixture.clamps().stream().filter(c -> c.expert() != null
                && !c.expert().equals("shared")).findFirst().orElseThrow();
        Atlas a = Atlas.open(TestSpark.session(), atlas.toString());
        // One of the clamped neuron's own top tokens, so that find-token lists the neuron for it.
        int target = a.sql("SELECT token_id FROM neuron_tokens WHERE matrix = 'down' AND polarity = '+' AND rank = 1"
                + " AND layer = " + clamp.layer() + " AND expert = '" + clamp.expert() + "' AND neuron = "
                + clamp.neuron()).first().getInt(0);
        String neuron = "layer = " + clamp.layer() + " AND expert = '" + clamp.expert() + "' AND neuron = "
                + clamp.neuron();
        // Candidates down to the neuron's place in find-token's ranking (each neuron by its best normalized_prob),
        // so that it is swept without sweeping every neuron that lists the token.
        long before = a.sql("WITH best AS (SELECT layer, expert, neuron, max(normalized_prob) AS p FROM neuron_tokens"
                + " WHERE token_id = " + target + " GROUP BY layer, expert, neuron) SELECT * FROM best WHERE p > "
                + "(SELECT p FROM best WHERE " + neuron + ")").count();
        int p = 0;
        String prompt;
        try (PromptEncoder encoder = PromptEncoder.open(fixture.modelDir(), 272)) {
            prompt = encoder.decode(fixture.prompt(p), false);
        }
        ValidateJob.Options o = ValidateJob.Options.builder().tokenId(target).prompts(List.of(prompt))
                .candidates((int) before + 1).modelDir(fixture.modelDir()).atlas(atlas.toString())
                .values(new ValueRange(-clamp.value(), clamp.value(), 3)).scope(ClampScope.ALL)
                .device(DeviceMode.CPU).precision(Precision.FP32).build();
        ValidateJob.Outcome outcome = new ValidateJob(TestSpark.session(),
                new PrintStream(OutputStream.nullOutputStream()), PublishListener.NONE).validate(o);
        assertTrue(outcome.candidates() > 0);
        Atlas after = Atlas.open(TestSpark.session(), atlas.toString());
        List<Row> validation = after.sql("SELECT * FROM neuron_validation WHERE " + neuron).collectAsList();
        assertEquals(1, validation.size(), "one validation row for " + clamp.label());
        assertEquals(target, validation.get(0).<Integer>getAs("target_id"));
        Row swept = after.sql("SELECT target_prob FROM clamp_sweeps WHERE " + neuron + " AND value = "
                + clamp.value()).first();
        float[][] clamped = fixture.clampedLogits(fixture.clamps().indexOf(clamp), p);
        double expected = HfFixture.probabilities(clamped[clamped.length - 1])[target];
        assertEquals(expected, swept.<Double>getAs("target_prob"), PROBABILITIES, clamp.label() + " clamped to "
                + clamp.value() + ": P(token " + target + ")");
        assertTrue(after.sql("SELECT * FROM neuron_validation WHERE expert IS NOT NULL").count()
                == outcome.candidates(), "every candidate of this all-mixture model is an expert's neuron");
        viewerPage(after, clamp);
    }

    /**
     * The clamped expert neuron's sections as the site's records get them (the sections' SQL over the views
     * ReportGenerator registers, each value as the JSON the page reads), on the first matrix the map has (gate).
     */
    private static void viewerPage(Atlas a, HfFixture.Clamp clamp) throws Exception {
        SparkSession spark = TestSpark.session();
        Map<String, Object> args = new HashMap<>(NeuronSections.LIMITS);
        args.put("checkpoints", new String[] {checkpoint});
        spark.sql(CannedQuery.sql(ReportGenerator.class, "report-home"), args)
                .createOrReplaceTempView(NeuronSections.HOME_VIEW);
        spark.sql(CannedQuery.sql(ReportGenerator.class, "example-windows"), args)
                .createOrReplaceTempView(NeuronSections.WINDOWS_VIEW);
        String neuron = "layer = " + clamp.layer() + " AND expert = '" + clamp.expert() + "' AND neuron = "
                + clamp.neuron();
        Map<String, JsonNode> page = new HashMap<>();
        ObjectMapper json = new ObjectMapper();
        for (NeuronSection section : List.of(NeuronSections.EXAMPLES, NeuronSections.ACTIVATIONS,
                NeuronSections.VALIDATION)) {
            List<Row> rows = spark.sql(section.sql(), args).where(neuron).selectExpr("matrix", "to_json(value)")
                    .collectAsList();
            assertEquals(1, rows.size(), section.field() + " of " + clamp.label() + ": " + rows);
            assertEquals("gate", rows.get(0).getString(0));
            page.put(section.field(), json.readTree(rows.get(0).getString(1)));
        }
        Row top = a.sql("SELECT activation FROM neuron_examples WHERE kind = 'max' AND rank = 1 AND " + neuron)
                .first();
        JsonNode shown = page.get("examples").get("max").get(0);
        assertEquals(top.<Float>getAs("activation"), shown.get("values").get(shown.get("at").asInt()).asDouble(),
                1e-4, clamp.label() + "'s top example on its page");
        boolean unrouted = false;
        for (JsonNode example : page.get("examples").get("max")) {
            for (JsonNode v : example.get("values")) {
                unrouted |= v.isNull();
            }
        }
        assertTrue(unrouted, "some window token of a routed expert's examples is not routed to it: shown as null");
        long count = a.sql("SELECT count FROM neuron_activations WHERE " + neuron).first().getLong(0);
        boolean positions = false;
        for (JsonNode stat : page.get("activations").get("stats")) {
            positions |= stat.get("name").asText().equals("positions") && stat.get("value").asLong() == count;
        }
        assertTrue(positions, "the page counts the expert's routed tokens, " + count + ": " + page.get(
                "activations"));
        assertEquals(1, page.get("validation").size(), page.toString());
    }

    private static String key(int layer, String expert, int neuron) {
        return layer + "/" + expert + "/" + neuron;
    }
}
