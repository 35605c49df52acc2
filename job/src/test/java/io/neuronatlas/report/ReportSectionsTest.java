package io.neuronatlas.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.compute.ExecutorResources;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.compute.forward.ClampScope;
import io.neuronatlas.compute.forward.Precision;
import io.neuronatlas.compute.forward.ValueRange;
import io.neuronatlas.jobs.ExamplesJob;
import io.neuronatlas.jobs.ExamplesOptions;
import io.neuronatlas.jobs.ValidateJob;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.testing.TestSpark;
import io.neuronatlas.testing.Validations;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sections of the tables written beside the map, on a real atlas: the demo decoder with its planted causal
 * neuron (L2.40 reads "?" and writes " dog") mapped, validated for " dog" and examined over a small corpus, then
 * reported. Each section's JSON is checked against the tables read with Spark and against the documented cuts
 * (examples per sign, window), computed here apart from the queries.
 */
class ReportSectionsTest {
    static final ValueRange VALUES = new ValueRange(-100, 100, 11);
    static final int LAYER = Validations.PLANTED.layer();
    static final int NEURON = Validations.PLANTED.neuron();
    static final double ROUNDING = 5e-5;

    @TempDir
    static Path dir;
    static Path site;
    static Atlas atlas;

    /** Documents for the examples job: the trigger "?" in some, at different places, in none of the others. */
    static final List<String> DOCUMENTS = List.of(
            "Is it a dog? It barks at the door.", "The weather was calm all day long and nothing happened.",
            "Who let the dogs out?", "A long plain sentence with no question in it at all, only words.",
            "Where? Here.", "Cats sleep and dogs run in the park every morning.");

    /** The decoder mapped, validated for " dog" (3 candidates) and examined over DOCUMENTS (layer 2). */
    static Path examinedAtlas(Path parent) throws IOException {
        Validations.Fixture fixture = Validations.write(parent);
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        try {
            new ValidateJob(TestSpark.session(), quiet, PublishListener.NONE).validate(new ValidateJob.Options(
                    fixture.model(), fixture.atlas().toString(), null, " dog", Validations.PROMPTS, false, 3, VALUES,
                    ClampScope.ALL, DeviceMode.CPU, Precision.FP32));
        } catch (Exception e) {
            throw new IOException("validate failed", e);
        }
        StringBuilder corpus = new StringBuilder();
        for (int i = 0; i < DOCUMENTS.size(); i++) {
            // every other document has an id: the source names it when there is one
            var line = ReportGenerator.JSON.createObjectNode().put("text", DOCUMENTS.get(i));
            corpus.append(i % 2 == 0 ? line.put("id", "d" + i) : line).append('\n');
        }
        Path file = Files.createDirectories(parent.resolve("corpus")).resolve("docs.jsonl");
        Files.writeString(file, corpus);
        new ExamplesJob(TestSpark.session(), quiet).examine(ExamplesOptions.builder(fixture.model(),
                fixture.atlas().toString()).corpus(file.toString()).layers(String.valueOf(LAYER)).segment(16).top(8)
                .sample(8).build());
        return fixture.atlas();
    }

    @BeforeAll
    static void report() throws IOException {
        Path atlasDir = examinedAtlas(dir);
        atlas = Atlas.open(TestSpark.session(), atlasDir.toString());
        site = dir.resolve("site");
        SiteSummary summary = new ReportGenerator(atlas, ReportOptions.defaults(),
                new PrintStream(OutputStream.nullOutputStream())).write(site.toString());
        assertEquals(List.of(), summary.notShown(), "every table beside the map has a section");
    }

    @AfterAll
    static void freeModels() throws Exception {
        ExecutorResources.clear();
    }

    static JsonNode record(String matrix, int layer, int neuron) {
        JsonNode shard = SiteData.read(site, SiteKeys.neuronShard(0, layer, null,
                neuron - neuron % ReportOptions.NEURONS_PER_SHARD));
        for (JsonNode r : shard.get("neurons")) {
            if (r.get("matrix").asText().equals(matrix) && r.get("neuron").asInt() == neuron) {
                return r;
            }
        }
        throw new AssertionError("no record of " + matrix + " " + layer + " " + neuron);
    }

    @Test
    void theSectionsAreListedAndGoOnTheFirstMatrixOfTheIndexOnly() {
        List<String> sections = new ArrayList<>();
        SiteData.read(site, SiteKeys.ATLAS).get("sections").forEach(s -> sections.add(s.asText()));
        assertEquals(List.of("examples", "quantiles", "activations", "clamp", "validation"), sections);
        JsonNode gate = record("gate", LAYER, NEURON);
        for (String field : List.of("examples", "activations", "clamp", "validation")) {
            assertTrue(gate.has(field), field + " on the gate record: " + gate);
            assertFalse(record("up", LAYER, NEURON).has(field), field + " only once per index");
            assertFalse(record("down", LAYER, NEURON).has(field), field + " only once per index");
        }
        assertFalse(record("gate", LAYER - 1, NEURON).has("examples"), "layer 1 was not examined");
    }

    /** Both signs: the first 5 by rank, each window cut to 11 tokens before the extreme one and 4 after. */
    @Test
    void examplesAreTheTablesFirstRowsOfEachSignCutAroundTheExtremeToken() {
        JsonNode examples = record("gate", LAYER, NEURON).get("examples");
        for (String kind : List.of("max", "min")) {
            List<Row> rows = atlas.sql("SELECT rank, token, position, window_start, tokens, activations, file, "
                    + "document, doc_position, document_id FROM neuron_examples WHERE layer = " + LAYER + " AND neuron = " + NEURON
                    + " AND kind = '" + kind + "' ORDER BY rank").collectAsList();
            assertTrue(rows.size() > NeuronSections.EXAMPLES_PER_SIGN, "fixture: more rows than shown " + rows);
            JsonNode shown = examples.get(kind);
            assertEquals(NeuronSections.EXAMPLES_PER_SIGN, shown.size(), kind);
            for (int r = 0; r < shown.size(); r++) {
                Row row = rows.get(r);
                JsonNode x = shown.get(r);
                int peak = row.getInt(2) - row.getInt(3);
                int from = Math.max(0, peak - NeuronSections.TOKENS_BEFORE);
                List<String> tokens = row.getList(4);
                List<Float> values = row.getList(5);
                int to = Math.min(tokens.size(), peak + NeuronSections.TOKENS_AFTER + 1);
                String where = kind + " rank " + (r + 1);
                assertEquals(peak - from, x.get("at").asInt(), where);
                assertEquals(row.getString(1), x.get("tokens").get(x.get("at").asInt()).asText(), where);
                assertEquals(to - from, x.get("tokens").size(), where);
                assertEquals(to - from, x.get("values").size(), where);
                for (int i = from; i < to; i++) {
                    assertEquals(tokens.get(i), x.get("tokens").get(i - from).asText(), where);
                    assertEquals(values.get(i), x.get("values").get(i - from).asDouble(), ROUNDING, where);
                }
                String file = row.getString(6);
                String id = row.isNullAt(9) ? "" : " (id " + row.getString(9) + ")";
                assertEquals(file.substring(file.lastIndexOf('/') + 1) + " doc " + row.getLong(7) + id + ", token "
                        + row.getLong(8), x.get("source").asText(), where);
            }
        }
        JsonNode top = examples.get("max").get(0);
        assertEquals("?", top.get("tokens").get(top.get("at").asInt()).asText(), "the planted neuron fires on ?");
        assertTrue(top.get("values").get(top.get("at").asInt()).asDouble() > 0);
    }

    @Test
    void activationsAreTheHistogramOverMinToMaxWithTheStatistics() {
        JsonNode a = record("gate", LAYER, NEURON).get("activations");
        Row row = atlas.sql("SELECT histogram, min, max, density, mean, p99, read_agreement FROM neuron_activations "
                + "WHERE layer = " + LAYER + " AND neuron = " + NEURON).first();
        List<Long> counts = row.getList(0);
        assertEquals(counts.size(), a.get("counts").size());
        for (int i = 0; i < counts.size(); i++) {
            assertEquals(counts.get(i).longValue(), a.get("counts").get(i).asLong());
        }
        double min = row.getFloat(1);
        double max = row.getFloat(2);
        assertEquals(counts.size() + 1, a.get("edges").size());
        for (int i = 0; i <= counts.size(); i++) {
            assertEquals((float) (min + (max - min) * i / counts.size()), (float) a.get("edges").get(i).asDouble(),
                    "edges are float32");
        }
        assertEquals(row.getDouble(3), a.get("density").asDouble(), 0);
        List<String> names = new ArrayList<>();
        a.get("stats").forEach(s -> names.add(s.get("name").asText()));
        assertEquals(row.getDouble(4), a.get("stats").get(names.indexOf("mean")).get("value").asDouble(), 0);
        assertEquals(row.getDouble(5), a.get("stats").get(names.indexOf("p99")).get("value").asDouble(), 0);
        assertEquals(!row.isNullAt(6), names.contains("read agreement (max examples)"), names.toString());
        JsonNode bands = record("gate", LAYER, NEURON).get("quantiles");
        if (bands != null) {
            for (JsonNode b : bands) {
                assertTrue(List.of("q50-90", "q90-99", "q99-99.9").contains(b.get("label").asText()), b.toString());
                assertEquals(NeuronSections.BAND_SAMPLES, b.get("examples").size(), b.toString());
                assertTrue(b.get("lo").asDouble() <= b.get("hi").asDouble(), b.toString());
            }
        }
    }

    /** One curve per prompt for " dog": the target's probability at each clamp value, in value order. */
    @Test
    void clampCurvesAreTheSweepsPointsPerPrompt() {
        JsonNode clamp = record("gate", LAYER, NEURON).get("clamp");
        assertEquals("clamp value", clamp.get("x_label").asText());
        assertEquals("target probability", clamp.get("y_label").asText());
        JsonNode curves = clamp.get("curves");
        assertEquals(Validations.PROMPTS.size(), curves.size());
        for (int p = 0; p < curves.size(); p++) {
            JsonNode curve = curves.get(p);
            List<Row> points = atlas.sql("SELECT value, target_prob FROM clamp_sweeps WHERE layer = " + LAYER
                    + " AND neuron = " + NEURON + " AND prompt_index = " + p + " ORDER BY value").collectAsList();
            assertEquals(" dog", curve.get("label").asText());
            assertEquals(Validations.PROMPTS.get(p), curve.get("prompt").asText());
            assertEquals(VALUES.count(), curve.get("x").size());
            for (int i = 0; i < points.size(); i++) {
                assertEquals(points.get(i).getDouble(0), curve.get("x").get(i).asDouble(), 0);
                assertEquals(points.get(i).getDouble(1), curve.get("y").get(i).asDouble(), 0);
            }
        }
    }

    /**
     * The verdict follows the documented rule (the swing of the target's log-odds from the lowest clamp value to the
     * highest, and monotonicity) on every validated neuron; the planted one is confirmed.
     */
    @Test
    void validationVerdictsFollowTheRule() {
        List<Row> rows = atlas.sql("SELECT layer, neuron, monotonic, delta_log_odds, prob_at_best, target, "
                + "prob_at_max_value, prob_at_min_value FROM neuron_validation").collectAsList();
        assertEquals(3, rows.size());
        for (Row row : rows) {
            int layer = row.getInt(0);
            int neuron = row.getInt(1);
            double delta = row.getDouble(3);
            double swing = Math.abs(logOdds(row.getDouble(6)) - logOdds(row.getDouble(7)));
            String expected = row.getBoolean(2) && swing >= Math.log(10) ? "confirmed" : swing >= Math.log(2)
                    ? "weak" : "no effect";
            JsonNode v = firstRecordWith(layer, neuron, "validation").get("validation");
            assertEquals(1, v.size());
            assertEquals(expected, v.get(0).get("verdict").asText(), "L" + layer + "." + neuron);
            assertEquals(row.getString(5), v.get(0).get("target").asText());
            JsonNode metrics = v.get(0).get("metrics");
            assertEquals("log_odds_swing", metrics.get(0).get("name").asText());
            assertEquals(swing, Math.abs(metrics.get(0).get("value").asDouble()), 1e-9);
            assertEquals("delta_log_odds", metrics.get(1).get("name").asText());
            assertEquals(delta, metrics.get(1).get("value").asDouble(), 0);
            assertEquals("prob_at_best", metrics.get(4).get("name").asText());
            assertEquals(row.getDouble(4), metrics.get(4).get("value").asDouble(), 0);
        }
        assertEquals("confirmed", record("gate", LAYER, NEURON).get("validation").get(0).get("verdict").asText(),
                rows.toString());
    }

    /** log(p / (1 - p)), p held within [1e-12, 1 - 1e-12]. */
    private static double logOdds(double p) {
        double q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
        return Math.log(q / (1 - q));
    }

    /** The site's budget for a neuron page's data: each neuron shard at most 200 KB. */
    @Test
    void neuronShardsStayWithinTheirBudget() throws IOException {
        for (String key : SiteData.keys(site, "neurons")) {
            long bytes = Files.size(site.resolve(ScriptShard.file(key)));
            assertTrue(bytes <= 200 * 1024, key + ": " + bytes + " bytes");
        }
    }

    private static JsonNode firstRecordWith(int layer, int neuron, String field) {
        for (String m : List.of("gate", "up", "down")) {
            JsonNode r = record(m, layer, neuron);
            if (r.has(field)) {
                return r;
            }
        }
        throw new AssertionError("no record of L" + layer + "." + neuron + " has " + field);
    }
}
