package io.neuronatlas.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.PlantedNeuron;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.checkpoint.synthetic.SyntheticVocabulary;
import io.neuronatlas.checkpoint.tokenizer.TokenizerJsonWriter;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.testing.Cli;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The viewer in a real browser: Debian's chromium driven by playwright-core (job/src/test/browser, installed by
 * 'npm ci' there), on sites written from atlases mapped here, opened from file:// and from a loopback HTTP server.
 * The expectations the browser tests compare with are read from the atlas with Spark and handed over as JSON.
 * Screenshots go to target/viewer-screenshots.
 */
class ViewerBrowserIT {
    static final Path SCREENSHOTS = Path.of(System.getProperty("neuronatlas.target", "target"),
            "viewer-screenshots");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** The demo's checkpoint, as 'demo' writes it, mapped watching " dog" and " cat". */
    @Test
    void theDemoAtlasInChromium() throws Exception {
        Path node = BrowserTools.node();
        BrowserTools.chromium();
        Path tests = BrowserTools.playwright();

        Path model = dir.resolve("tiny-llama");
        Path atlasDir = dir.resolve("atlas");
        Path site = dir.resolve("site");
        assertEquals(0, Cli.run("demo", "--out", model.toString()).code());
        Maps.of(model, atlasDir).watch(" dog", " cat").run();
        Cli.Result report = Cli.run("report", "--atlas", atlasDir.toString(), "--out", site.toString());
        assertEquals(0, report.code(), report.err());
        assertTrue(report.out().contains("Open file:" + site.toRealPath() + "/index.html"), report.out());

        Atlas atlas = Atlas.open(TestSpark.session(), atlasDir.toString());
        Map<String, Object> expect = new LinkedHashMap<>();
        expect.put("site", site.toRealPath().toString());
        expect.put("checkpoint", "tiny-llama");
        // DemoCommand plants these: up_proj layer 3 neuron 170 (" dog", " puppy"), down_proj 0/256 (anti-" California").
        expect.put("dog", Map.of("layer", 3, "neuron", 170));
        expect.put("california", Map.of("layer", 0, "neuron", 256));
        List<Map<String, Object>> search = new ArrayList<>();
        for (Row r : atlas.findToken(" dog", 10).collectAsList()) {
            search.add(Map.of("checkpoint", r.getAs("checkpoint"), "neuron_id", r.getAs("neuron_id"),
                    "polarity", r.getAs("polarity"), "rank", r.getAs("rank"), "token", r.getAs("token"),
                    "score", r.getAs("score"), "prob", r.getAs("prob"), "normalized_prob", r.getAs("normalized_prob")));
        }
        expect.put("search", search);
        String where = "checkpoint = 'tiny-llama' AND matrix = 'up' AND layer = 3 AND neuron = 170";
        for (String polarity : List.of("+", "-")) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Row r : atlas.sql("SELECT token, token_id, score, prob, normalized_prob FROM neuron_tokens WHERE "
                    + where + " AND polarity = '" + polarity + "' ORDER BY rank").collectAsList()) {
                rows.add(Map.of("token", r.getString(0), "token_id", r.getInt(1), "score", r.getFloat(2),
                        "prob", r.getFloat(3), "normalized_prob", r.getFloat(4)));
            }
            expect.put(polarity.equals("+") ? "positive" : "negative", rows);
        }
        Row stats = atlas.sql("SELECT norm, max_score, min_score, mean_score, std_score, max_abs_score, logsumexp, "
                + "entropy, vocab_cos_kurtosis, vocab_cos_skew, score_kurtosis, score_skew FROM neurons WHERE " + where)
                .first();
        Map<String, Object> statValues = new LinkedHashMap<>();
        for (int i = 0; i < stats.size(); i++) {
            statValues.put(stats.schema().fieldNames()[i], stats.getFloat(i));
        }
        expect.put("stats", statValues);
        assertEquals(" dog", search.get(0).get("token"));
        assertEquals("L3.up.170", search.get(0).get("neuron_id"));

        try (SiteServer server = new SiteServer(site)) {
            expect.put("http", server.url());
            runNode(node, tests, "demo.test.mjs", expect);
        }
        for (String shot : List.of("home.png", "search.png", "neuron.png")) {
            assertTrue(Files.size(SCREENSHOTS.resolve(shot)) > 10_000, shot);
        }
    }

    /**
     * A mixture-of-experts atlas (ReportExpertsTest's Qwen2-MoE checkpoint: a dense layer 0, then three routed experts
     * and a shared one, with " dog" planted in expert 1's up_proj neuron 5 and " cat" in the shared expert's), written
     * by the report command: the expert neuron's page, its URL, search and navigation through the experts.
     */
    @Test
    void aMixtureOfExpertsAtlasInChromium() throws Exception {
        Path node = BrowserTools.node();
        BrowserTools.chromium();
        Path tests = BrowserTools.playwright();

        ReportExpertsTest.writeModel(dir);
        Path atlasDir = dir.resolve("atlas");
        Path site = dir.resolve("site");
        Maps.of(dir.resolve("qwen2-moe"), atlasDir).checkpoint("moe").run();
        Cli.Result report = Cli.run("report", "--atlas", atlasDir.toString(), "--out", site.toString());
        assertEquals(0, report.code(), report.err());

        Atlas atlas = Atlas.open(TestSpark.session(), atlasDir.toString());
        Map<String, Object> expect = new LinkedHashMap<>();
        expect.put("site", site.toRealPath().toString());
        expect.put("checkpoint", "moe");
        List<Map<String, Object>> search = new ArrayList<>();
        for (Row r : atlas.findToken(" dog", 10).collectAsList()) {
            search.add(Map.of("neuron_id", r.getAs("neuron_id"), "polarity", r.getAs("polarity"),
                    "token", r.getAs("token"), "normalized_prob", r.getAs("normalized_prob")));
        }
        assertEquals("L1.e1.up.5", search.get(0).get("neuron_id"));
        expect.put("search", search);
        for (String expert : List.of("1", "shared")) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Row r : atlas.sql("SELECT token, token_id, score, prob, normalized_prob FROM neuron_tokens WHERE "
                    + "matrix = 'up' AND layer = 1 AND expert = '" + expert + "' AND neuron = 5 AND polarity = '+' "
                    + "ORDER BY rank").collectAsList()) {
                rows.add(Map.of("token", r.getString(0), "token_id", r.getInt(1), "score", r.getFloat(2),
                        "prob", r.getFloat(3), "normalized_prob", r.getFloat(4)));
            }
            expect.put("positive_" + expert, rows);
        }
        try (SiteServer server = new SiteServer(site)) {
            expect.put("http", server.url());
            runNode(node, tests, "experts.test.mjs", expect);
        }
        assertTrue(Files.size(SCREENSHOTS.resolve("neuron-expert.png")) > 10_000);
    }

    /**
     * The demo decoder mapped, validated for " dog" and examined over a small corpus (ReportSectionsTest's atlas):
     * the planted neuron L2.40's pages show its examples shaded with the value on hover, its clamp curves and its
     * verdict, on each of its gate, up and down pages. Expectations read from the tables with Spark.
     */
    @Test
    void aValidatedAndExaminedDecoderInChromium() throws Exception {
        Path node = BrowserTools.node();
        BrowserTools.chromium();
        Path tests = BrowserTools.playwright();

        Path atlasDir = ReportSectionsTest.examinedAtlas(dir);
        Path site = dir.resolve("site");
        Cli.Result report = Cli.run("report", "--atlas", atlasDir.toString(), "--out", site.toString());
        assertEquals(0, report.code(), report.err());
        assertFalse(report.out().contains("does not show"), report.out());

        Atlas atlas = Atlas.open(TestSpark.session(), atlasDir.toString());
        int layer = ReportSectionsTest.LAYER;
        int neuron = ReportSectionsTest.NEURON;
        String where = " WHERE layer = " + layer + " AND neuron = " + neuron;
        Map<String, Object> expect = new LinkedHashMap<>();
        expect.put("site", site.toRealPath().toString());
        expect.put("checkpoint", "tiny-dog");
        expect.put("planted", Map.of("layer", layer, "neuron", neuron));
        Row top = atlas.sql("SELECT token, activations[position - window_start] FROM neuron_examples" + where
                + " AND kind = 'max' AND rank = 1").first();
        expect.put("top_token", top.getString(0));
        expect.put("top_value", top.getFloat(1));
        expect.put("shown_per_sign", NeuronSections.EXAMPLES_PER_SIGN);
        expect.put("curves", atlas.sql("SELECT DISTINCT prompt FROM clamp_sweeps" + where).count());
        Row v = atlas.sql("SELECT monotonic, prob_at_max_value / prob_at_min_value FROM neuron_validation" + where)
                .first();
        assertTrue(v.getBoolean(0) && v.getDouble(1) > 10, "the planted neuron is confirmed: " + v);
        expect.put("verdict", "confirmed");
        try (SiteServer server = new SiteServer(site)) {
            expect.put("http", server.url());
            runNode(node, tests, "sections.test.mjs", expect);
        }
        assertTrue(Files.size(SCREENSHOTS.resolve("neuron-sections.png")) > 10_000);
    }

    /** Token strings that would be markup, scripts, or text-reversing if they were not shown as text. */
    static final List<String> HOSTILE = List.of(
            "<script>window.__pwned='script'</script>",
            "<img src=x onerror=\"window.__pwned='img'\">",
            "\"'quotes'\" & <b>bold</b>",
            "\u202Eevil\u202C",
            "a\u0000b\u0007c\u001b[31m\u007f\u0085",
            "</script><script>window.__pwned='breakout'</script>",
            " \u2066iso\u2069\u200B",
            "__proto__",
            "javascript:window.__pwned='href'",
            "&lt;b&gt;{{7*7}}${7*7}");

    /**
     * A vocabulary of hostile tokens, a neuron planted on them (in two checkpoints of one model), and the later
     * tables' sections filled with hostile snippets and labels by views this test registers (the shapes documented
     * in the report package).
     */
    @Test
    void aHostileVocabularyShowsAsText() throws Exception {
        Path node = BrowserTools.node();
        BrowserTools.chromium();
        Path tests = BrowserTools.playwright();

        List<String> texts = new ArrayList<>(SyntheticVocabulary.tokens(599 - HOSTILE.size()));
        texts.addAll(HOSTILE);
        Path tokenizer = dir.resolve("hostile-tokenizer.json");
        TokenizerJsonWriter.writeByteLevel(tokenizer, texts, List.of("<|endoftext|>"));
        Map<String, Double> weights = new LinkedHashMap<>();
        for (int i = 0; i < HOSTILE.size(); i++) {
            weights.put(HOSTILE.get(i), 1.0 - 0.04 * i);
        }
        PlantedNeuron planted = new PlantedNeuron(MlpMatrix.UP, 1, 5, weights);
        SyntheticCheckpoint.Written model = new SyntheticCheckpoint().layers(2).dModel(1024).dMlp(64).seed(9)
                .tokenizer(tokenizer, 600).plant(planted).write(dir.resolve("hostile"));
        Path atlasDir = dir.resolve("atlas");
        Maps.of(model.dir(), atlasDir).checkpoint("hostile").watch(HOSTILE.get(0)).run();
        // A second checkpoint of the same shapes, for the section on the same neuron elsewhere.
        Maps.of(model.dir(), atlasDir).checkpoint("hostile-copy").run();

        SparkSession spark = TestSpark.session();
        Atlas atlas = Atlas.open(spark, atlasDir.toString());
        // The hostile strings go in as named parameters: bound as literals, no SQL escaping to get wrong.
        Map<String, Object> h = new LinkedHashMap<>();
        for (int i = 0; i < HOSTILE.size(); i++) {
            h.put("h" + i, HOSTILE.get(i));
        }
        h.put("newline", "\n");
        // The tables beside the map, in their real columns (those the sections read), hostile where text can be.
        String at = "'hostile', 'r1', 1, 5";
        spark.sql("SELECT * FROM VALUES "
                + "(" + at + ", 'max', 1, 'dir/' || :h1, 0L, 1L, array(:h0, ' dog', :h3, :h4, :newline), "
                + "array(0.5f, 5.5f, 2.0f, -3.0f, 0.0f)), "
                + "(" + at + ", 'max', 2, 'doc2.jsonl', 0L, 1L, array(' a', ' puppy'), array(0.25f, 4.0f)), "
                + "(" + at + ", 'min', 1, 'min.jsonl', 3L, 1L, array(' x', :h2), array(1.0f, -4.5f)), "
                + "(" + at + ", 'q90-99', 1, 'q.jsonl', 4L, 1L, array(' y', :h5), array(0.5f, 3.5f)) "
                + "AS t(checkpoint, run, layer, neuron, kind, rank, file, document, doc_position, tokens, "
                + "activations)", h)
                .selectExpr("*", "1 AS position", "0 AS window_start", "tokens[1] AS token",
                        "CAST(NULL AS STRING) AS document_id", "CAST(NULL AS STRING) AS expert")
                .createOrReplaceTempView(NeuronSections.EXAMPLES_VIEW);
        spark.sql("SELECT * FROM VALUES (" + at + ", 100L, 0.5D, 1.0D, -1.0f, 3.0f, 0.0D, 1.0D, 3.5D, 3.9D, "
                + "array(4L, 30L, 9L, 2L), 0.35D, 0.5D, CAST(NULL AS DOUBLE), NULL, NULL) AS t(checkpoint, run, "
                + "layer, neuron, count, mean, std, min, max, p50, p90, p99, p999, histogram, density, "
                + "read_agreement, write_agreement, read_agreement_min, write_agreement_min)")
                .selectExpr("*", "CAST(NULL AS STRING) AS expert")
                .createOrReplaceTempView(NeuronSections.ACTIVATIONS_VIEW);
        spark.sql("SELECT * FROM VALUES (" + at + ", 8, :h0, 'Which pet?', 0, 'all'), "
                + "(" + at + ", 7, ' puppy', :h6, 1, 'all') "
                + "AS t(checkpoint, run, layer, neuron, target_id, target, prompt, prompt_index, scope)", h)
                .selectExpr("*", "explode(array(0.0D, 5.0D, 10.0D)) AS value")
                .selectExpr("*", "IF(target_id = 8, value * 0.3D, value * 0.1D) / 10 AS target_prob",
                        "CAST(NULL AS STRING) AS expert")
                .createOrReplaceTempView(NeuronSections.CLAMP_VIEW);
        spark.sql("SELECT * FROM VALUES (" + at + ", 9, :h1, 'all', 2, 1, 1, 0.5D, :h5, 0.01D, 0.3D, 0.0D, "
                + "10.0D, 0.3D, 1, 3.0D, true) AS t(checkpoint, run, layer, neuron, target_id, target, scope, "
                + "prompts, causal_rank, atlas_rank, normalized_prob, matrices, baseline_prob, prob_at_max_value, "
                + "prob_at_min_value, best_value, prob_at_best, rank_at_best, delta_log_odds, monotonic)", h)
                .selectExpr("*", "CAST(NULL AS STRING) AS expert")
                .createOrReplaceTempView(NeuronSections.VALIDATION_VIEW);
        Path site = dir.resolve("site");
        try {
            SiteSummary summary = new ReportGenerator(atlas, ReportOptions.defaults(),
                    new PrintStream(OutputStream.nullOutputStream())).write(site.toString());
            assertEquals(List.of(), summary.notShown());
        } finally {
            for (String view : NeuronSections.LATER_VIEWS) {
                spark.catalog().dropTempView(view);
            }
        }

        Map<String, Object> expect = new LinkedHashMap<>();
        expect.put("site", site.toRealPath().toString());
        expect.put("checkpoint", "hostile");
        expect.put("planted", Map.of("layer", planted.layer(), "neuron", planted.neuron()));
        expect.put("hostile", HOSTILE);
        List<String> positive = atlas.sql("SELECT token FROM neuron_tokens WHERE checkpoint = 'hostile' AND "
                + "matrix = 'up' AND layer = 1 AND neuron = 5 AND polarity = '+' ORDER BY rank")
                .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
        assertTrue(positive.subList(0, HOSTILE.size()).containsAll(HOSTILE), positive.toString());
        expect.put("positive", positive);
        try (SiteServer server = new SiteServer(site)) {
            expect.put("http", server.url());
            runNode(node, tests, "hostile.test.mjs", expect);
        }
    }

    private void runNode(Path node, Path tests, String script, Map<String, Object> expect) throws Exception {
        Path expectFile = dir.resolve(script + ".expect.json");
        JSON.writeValue(expectFile.toFile(), expect);
        Files.createDirectories(SCREENSHOTS);
        BrowserTools.Run run = BrowserTools.run(List.of(node.toString(), "--test", "--test-reporter=spec", script),
                tests, Map.of("VIEWER_EXPECT", expectFile.toString(), "SCREENSHOTS",
                        SCREENSHOTS.toAbsolutePath().toString(), "NEURON_ATLAS_CHROMIUM",
                        BrowserTools.CHROMIUM.toString()), 300);
        System.out.println(run.output());
        assertEquals(0, run.code(), script + " failed:\n" + run.output());
        assertTrue(run.output().contains("fail 0") && !run.output().contains("skipped 1"), run.output());
    }
}
