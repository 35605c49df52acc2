package io.neuronatlas.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.PlantedNeuron;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import io.neuronatlas.udfs.TokenText;
import java.io.IOException;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The site's data files against the atlas they come from, read with Spark: every neuron's record holds exactly its
 * rows, the token index lists exactly what find-token lists, the sections appear where their tables are.
 */
class ReportGeneratorTest {
    static final int PER_SHARD = 16;
    static final int LIMIT = 100;

    @TempDir
    static Path dir;
    static Atlas atlas;
    static Path site;
    static SiteSummary summary;
    static PlantedNeuron dog;

    /**
     * base and tuned: one model's shapes (2 layers, 96 neurons), tuned with " cat" where base has " dog"; other:
     * another shape. base watched " dog".
     */
    @BeforeAll
    static void writeSite() throws IOException {
        SyntheticCheckpoint.Written base = new SyntheticCheckpoint().layers(2).dModel(64).dMlp(96).vocab(600).seed(3)
                .plantDogAndCalifornia().write(dir.resolve("base"));
        dog = base.planted().get(0);
        SyntheticCheckpoint.Written tuned = new SyntheticCheckpoint().layers(2).dModel(64).dMlp(96).vocab(600).seed(3)
                .plant(new PlantedNeuron(MlpMatrix.UP, dog.layer(), dog.neuron(), Map.of(" cat", 1.0)))
                .write(dir.resolve("tuned"));
        SyntheticCheckpoint.Written other = new SyntheticCheckpoint().layers(1).dModel(32).dMlp(40).vocab(600).seed(4)
                .write(dir.resolve("other"));
        Path atlasDir = dir.resolve("atlas");
        Maps.of(base.dir(), atlasDir).checkpoint("base").watch(" dog").run();
        Maps.of(tuned.dir(), atlasDir).checkpoint("tuned").run();
        Maps.of(other.dir(), atlasDir).checkpoint("other").run();
        atlas = Atlas.open(TestSpark.session(), atlasDir.toString());
        site = dir.resolve("site");
        summary = generator(List.of()).write(site.toString());
    }

    static ReportGenerator generator(List<String> checkpoints) {
        return new ReportGenerator(atlas, new ReportOptions(checkpoints, PER_SHARD, LIMIT, 300, 10, 5),
                new PrintStream(OutputStream.nullOutputStream()));
    }

    static List<String> names() {
        return atlas.checkpoints().stream().map(e -> e.checkpoint()).toList();
    }

    @Test
    void neuronShardsHoldEveryNeuronOnceWithItsAtlasRows() {
        List<String> names = names();
        Map<String, int[]> shapes = Map.of("base", new int[] {2, 96}, "tuned", new int[] {2, 96},
                "other", new int[] {1, 40});
        List<String> expected = new ArrayList<>();
        for (int ci = 0; ci < names.size(); ci++) {
            int[] shape = shapes.get(names.get(ci));
            for (int layer = 0; layer < shape[0]; layer++) {
                for (int first = 0; first < shape[1]; first += PER_SHARD) {
                    expected.add(SiteKeys.neuronShard(ci, layer, null, first));
                }
            }
        }
        expected.sort(null);
        assertEquals(expected, SiteData.keys(site, "neurons"));

        // Every row of neuron_tokens and neurons of base, against the records.
        SparkSession spark = TestSpark.session();
        Map<String, List<Row>> tokens = new HashMap<>();
        for (Row r : spark.sql("SELECT matrix, layer, neuron, polarity, rank, token_id, token, score, prob, "
                + "normalized_prob FROM neuron_tokens WHERE checkpoint = 'base' ORDER BY rank").collectAsList()) {
            tokens.computeIfAbsent(r.getString(0) + "/" + r.getInt(1) + "/" + r.getInt(2) + "/" + r.getString(3),
                    k -> new ArrayList<>()).add(r);
        }
        Map<String, Row> stats = new HashMap<>();
        for (Row r : spark.sql("SELECT * FROM neurons WHERE checkpoint = 'base'").collectAsList()) {
            stats.put(r.<String>getAs("matrix") + "/" + r.<Integer>getAs("layer") + "/" + r.<Integer>getAs("neuron"),
                    r);
        }
        int ci = names.indexOf("base");
        int records = 0;
        for (int layer = 0; layer < 2; layer++) {
            for (int first = 0; first < 96; first += PER_SHARD) {
                JsonNode shard = SiteData.read(site, SiteKeys.neuronShard(ci, layer, null, first));
                assertEquals("base", shard.get("checkpoint").asText());
                assertEquals(layer, shard.get("layer").asInt());
                assertEquals(first, shard.get("first").asInt());
                JsonNode neurons = shard.get("neurons");
                assertEquals(3 * PER_SHARD, neurons.size());
                for (int i = 0; i < neurons.size(); i++) {
                    JsonNode record = neurons.get(i);
                    String matrix = List.of("gate", "up", "down").get(i / PER_SHARD);
                    int neuron = first + i % PER_SHARD;
                    assertEquals(matrix, record.get("matrix").asText());
                    assertEquals(neuron, record.get("neuron").asInt());
                    String key = matrix + "/" + layer + "/" + neuron;
                    assertTokens(tokens.get(key + "/+"), record.get("positive"), key);
                    assertTokens(tokens.get(key + "/-"), record.get("negative"), key);
                    Row s = stats.get(key);
                    for (String stat : List.of("norm", "max_score", "min_score", "mean_score", "std_score",
                            "max_abs_score", "logsumexp", "entropy")) {
                        assertEquals(s.<Float>getAs(stat), (float) record.get("stats").get(stat).doubleValue(),
                                key + " " + stat);
                    }
                    records++;
                }
            }
        }
        assertEquals(3 * 2 * 96, records);
    }

    /** Columns of arrays against the rows in rank order; floats exactly (the files hold their shortest text). */
    static void assertTokens(List<Row> rows, JsonNode columns, String neuron) {
        assertEquals(20, rows.size(), neuron);
        for (String column : List.of("token_id", "token", "score", "prob", "normalized_prob")) {
            assertEquals(rows.size(), columns.get(column).size(), neuron + " " + column);
        }
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            assertEquals(i + 1, r.getInt(4));
            assertEquals(r.getInt(5), columns.get("token_id").get(i).asInt(), neuron);
            assertEquals(r.getString(6), columns.get("token").get(i).asText(), neuron);
            assertEquals(r.getFloat(7), (float) columns.get("score").get(i).doubleValue(), neuron);
            assertEquals(r.getFloat(8), (float) columns.get("prob").get(i).doubleValue(), neuron);
            assertEquals(r.getFloat(9), (float) columns.get("normalized_prob").get(i).doubleValue(), neuron);
        }
    }

    @Test
    void theTokenIndexListsWhatFindTokenLists() {
        JsonNode index = SiteData.read(site, SiteKeys.ATLAS);
        int shards = index.get("search").get("shards").asInt();
        List<String> names = names();
        for (String word : List.of(" dog", "DOG", " California", " cat", "the", "Paris", "zz-not-a-token")) {
            String norm = TokenText.norm(word);
            JsonNode entry = word(SiteData.read(site, SiteKeys.searchShard(SearchBuckets.bucket(norm, shards))), norm);
            List<Row> variants = atlas.tokenVariants(word).collectAsList();
            if (variants.isEmpty()) {
                assertNull(entry, word);
                continue;
            }
            Set<String> expectedVariants = new HashSet<>();
            variants.forEach(r -> expectedVariants.add(r.getString(0) + "|" + r.getInt(1) + "|" + r.getString(2)));
            Set<String> actualVariants = new HashSet<>();
            Map<String, String> tokenOf = new HashMap<>();
            entry.get("variants").forEach(v -> {
                String checkpoint = names.get(v.get("c").asInt());
                actualVariants.add(checkpoint + "|" + v.get("token_id").asInt() + "|" + v.get("token").asText());
                tokenOf.put(v.get("c").asInt() + "|" + v.get("token_id").asInt(), v.get("token").asText());
            });
            assertEquals(expectedVariants, actualVariants, word);

            List<Row> found = atlas.findToken(word, LIMIT).collectAsList();
            JsonNode n = entry.get("neurons");
            assertEquals(found.size(), n == null ? 0 : n.get("c").size(), word);
            for (int i = 0; i < found.size(); i++) {
                Row r = found.get(i);
                String at = word + " row " + i;
                int c = n.get("c").get(i).asInt();
                assertEquals(r.<String>getAs("checkpoint"), names.get(c), at);
                assertEquals(r.<String>getAs("matrix"), n.get("matrix").get(i).asText(), at);
                assertEquals(r.<Integer>getAs("layer"), n.get("layer").get(i).asInt(), at);
                assertEquals(r.<Integer>getAs("neuron"), n.get("neuron").get(i).asInt(), at);
                assertEquals(r.<String>getAs("polarity"), n.get("polarity").get(i).asText(), at);
                assertEquals(r.<Integer>getAs("rank"), n.get("rank").get(i).asInt(), at);
                assertEquals(r.<Integer>getAs("token_id"), n.get("token_id").get(i).asInt(), at);
                assertEquals(r.<String>getAs("token"), tokenOf.get(c + "|" + r.<Integer>getAs("token_id")), at);
                assertEquals(r.<Float>getAs("score"), (float) n.get("score").get(i).doubleValue(), at);
                assertEquals(r.<Float>getAs("prob"), (float) n.get("prob").get(i).doubleValue(), at);
                assertEquals(r.<Float>getAs("normalized_prob"), (float) n.get("normalized_prob").get(i).doubleValue(),
                        at);
            }
        }
        JsonNode best = word(SiteData.read(site, SiteKeys.searchShard(SearchBuckets.bucket("dog", shards))), "dog")
                .get("neurons");
        assertEquals("up/" + dog.layer() + "/" + dog.neuron() + "/base", best.get("matrix").get(0).asText() + "/"
                + best.get("layer").get(0).asInt() + "/" + best.get("neuron").get(0).asInt() + "/"
                + names.get(best.get("c").get(0).asInt()));
    }

    /** The entry of a word (token_norm) in a search shard, or null. */
    static JsonNode word(JsonNode shard, String norm) {
        for (JsonNode word : shard.get("words")) {
            if (word.get("norm").asText().equals(norm)) {
                return word;
            }
        }
        return null;
    }

    @Test
    void everyWordIsInTheShardOfItsBucketAndNowhereElse() {
        int shards = SiteData.read(site, SiteKeys.ATLAS).get("search").get("shards").asInt();
        List<String> keys = SiteData.keys(site, "search");
        assertEquals(shards, keys.size());
        assertEquals(summary.searchShards(), shards);
        assertTrue(shards > 1, "the test atlas should need several shards at 300 rows each, got " + shards);
        Set<String> words = new HashSet<>();
        long rows = 0;
        for (int b = 0; b < shards; b++) {
            JsonNode shard = SiteData.read(site, SiteKeys.searchShard(b));
            for (JsonNode word : shard.get("words")) {
                String norm = word.get("norm").asText();
                assertEquals(b, SearchBuckets.bucket(norm, shards), norm);
                assertTrue(words.add(norm), norm);
                JsonNode n = word.get("neurons");
                if (n != null) {
                    assertTrue(n.get("c").size() <= LIMIT && n.get("c").size() > 0, norm);
                    rows += n.get("c").size();
                }
            }
        }
        Set<String> norms = new HashSet<>(TestSpark.session().sql("SELECT DISTINCT norm FROM tokens")
                .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
        assertEquals(norms, words);
        long expectedRows = TestSpark.session().sql("SELECT sum(least(c, " + LIMIT + ")) FROM (SELECT "
                + "token_norm(token) AS w, count(*) AS c FROM neuron_tokens GROUP BY token_norm(token))")
                .first().getLong(0);
        assertEquals(expectedRows, rows);
    }

    @Test
    void sectionsAppearWhereTheirTablesAre() {
        List<String> names = names();
        JsonNode base = record(names.indexOf("base"), "up", dog.layer(), dog.neuron());
        JsonNode profile = base.get("profile");
        assertEquals(1, profile.size());
        assertEquals(" dog", profile.get(0).get("token").asText());
        assertEquals(1, profile.get(0).get("layer_rank").asInt(), "the planted neuron leads its layer for \" dog\"");
        assertEquals(96, profile.get(0).get("layer_neurons").asInt());
        Row watched = TestSpark.session().sql("SELECT score, normalized_prob FROM token_profiles WHERE checkpoint = "
                + "'base' AND matrix = 'up' AND layer = " + dog.layer() + " AND neuron = " + dog.neuron()).first();
        assertEquals(watched.getFloat(0), (float) profile.get(0).get("score").doubleValue());
        assertEquals(watched.getFloat(1), (float) profile.get(0).get("normalized_prob").doubleValue());

        JsonNode elsewhere = base.get("elsewhere");
        assertEquals(1, elsewhere.size());
        assertEquals("tuned", elsewhere.get(0).get("checkpoint").asText());
        assertEquals(" cat", elsewhere.get(0).get("top_token").asText());
        JsonNode tuned = record(names.indexOf("tuned"), "up", dog.layer(), dog.neuron());
        assertFalse(tuned.has("profile"), "tuned watched no token");
        assertEquals(" dog", tuned.get("elsewhere").get(0).get("top_token").asText());
        JsonNode other = record(names.indexOf("other"), "gate", 0, 7);
        assertFalse(other.has("elsewhere") || other.has("profile"), other.toString());
        assertEquals(List.of("profile", "elsewhere"), list(SiteData.read(site, SiteKeys.ATLAS).get("sections")));
    }

    static JsonNode record(int ci, String matrix, int layer, int neuron) {
        JsonNode shard = SiteData.read(site, SiteKeys.neuronShard(ci, layer, null, neuron - neuron % PER_SHARD));
        for (JsonNode r : shard.get("neurons")) {
            if (r.get("matrix").asText().equals(matrix) && r.get("neuron").asInt() == neuron) {
                return r;
            }
        }
        throw new AssertionError("no record of " + matrix + " " + layer + " " + neuron);
    }

    private static List<String> list(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    /** A dense atlas's data is what it was before experts: no expert key anywhere, no blocks in atlas.js. */
    @Test
    void aDenseSiteHasNoExpertFields() {
        for (String key : SiteData.keys(site, "neurons")) {
            assertFalse(key.contains("/E"), key);
            JsonNode shard = SiteData.read(site, key);
            assertFalse(shard.has("expert"), key);
            shard.get("neurons").forEach(r -> assertEquals(List.of("matrix", "neuron", "stats", "positive", "negative"),
                    fieldNames(r).subList(0, 5), key));
        }
        int words = 0;
        for (String key : SiteData.keys(site, "search")) {
            for (JsonNode word : SiteData.read(site, key).get("words")) {
                if (word.has("neurons")) {
                    assertEquals(List.of("c", "matrix", "layer", "neuron", "polarity", "rank", "token_id", "score",
                            "prob", "normalized_prob"), fieldNames(word.get("neurons")), key);
                    words++;
                }
            }
        }
        assertTrue(words > 0);
        SiteData.read(site, SiteKeys.ATLAS).get("checkpoints").forEach(c -> assertFalse(c.has("blocks"),
                c.toString()));
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void theIndexDescribesTheCheckpoints() {
        JsonNode index = SiteData.read(site, SiteKeys.ATLAS);
        assertEquals(ReportGenerator.FORMAT, index.get("format").asInt());
        assertEquals(PER_SHARD, index.get("neurons_per_shard").asInt());
        assertEquals(LIMIT, index.get("search").get("limit").asInt());
        List<String> names = names();
        JsonNode checkpoints = index.get("checkpoints");
        assertEquals(names.size(), checkpoints.size());
        for (int i = 0; i < names.size(); i++) {
            JsonNode c = checkpoints.get(i);
            assertEquals(names.get(i), c.get("checkpoint").asText());
            assertEquals(i, c.get("index").asInt());
            List<String> same = list(c.get("same_shapes"));
            assertEquals(switch (names.get(i)) {
                case "base" -> List.of("tuned");
                case "tuned" -> List.of("base");
                default -> List.of();
            }, same);
        }
        JsonNode base = checkpoints.get(names.indexOf("base"));
        assertEquals(96, base.get("shapes").get("d_mlp").asInt());
        assertEquals(List.of(" dog"), list(base.get("parameters").get("watch")));
        assertEquals(List.of("gate", "up", "down"), list(base.get("parameters").get("matrices")));
    }

    @Test
    void alignmentDataIsTheCannedQueries() {
        List<String> names = names();
        int ci = names.indexOf("base");
        JsonNode data = SiteData.read(site, SiteKeys.alignment(ci));
        assertEquals(10, data.get("bins").asInt());
        List<Row> quantiles = atlas.alignment(0).filter("checkpoint = 'base'").orderBy("matrix", "layer")
                .collectAsList();
        JsonNode layers = data.get("layers");
        assertEquals(quantiles.size(), layers.size());
        Map<String, JsonNode> byLayer = new HashMap<>();
        layers.forEach(l -> byLayer.put(l.get("matrix").asText() + "/" + l.get("layer").asInt(), l));
        for (Row q : quantiles) {
            JsonNode l = byLayer.get(q.<String>getAs("matrix") + "/" + q.<Integer>getAs("layer"));
            assertEquals(q.<Long>getAs("neurons"), l.get("neurons").asLong());
            for (String column : List.of("min", "p25", "median", "p75", "p90", "p99", "max")) {
                assertEquals(((Number) q.getAs(column)).floatValue(), (float) l.get(column).doubleValue(), column);
            }
            long sum = 0;
            for (JsonNode count : l.get("histogram")) {
                sum += count.asLong();
            }
            assertEquals(96, sum);
        }
        for (Row h : atlas.alignmentHistogram(10).filter("checkpoint = 'base'").collectAsList()) {
            JsonNode l = byLayer.get(h.<String>getAs("matrix") + "/" + h.<Integer>getAs("layer"));
            assertEquals(h.<Long>getAs("neurons"), l.get("histogram").get((int) (h.<Long>getAs("bin") - 1)).asLong());
            assertTrue(h.<Double>getAs("upper") <= data.get("top").asDouble());
        }
    }

    /**
     * A new table's section: a view and the SQL that shapes it (the built-in sections of the examples and validation
     * tables are made the same way; ReportSectionsTest runs them on a real atlas). The test's own view stands in for
     * a future table.
     */
    @Test
    void aNewTablesSectionIsOneQueryAway() throws IOException {
        SparkSession spark = TestSpark.session();
        spark.sql("SELECT * FROM VALUES ('base', 'up', " + dog.layer() + ", " + dog.neuron() + ", 1, 'barks'), "
                + "('base', 'up', " + dog.layer() + ", " + dog.neuron() + ", 2, 'fetches') "
                + "AS t(checkpoint, matrix, layer, neuron, place, note)").createOrReplaceTempView("neuron_notes");
        try {
            Path shown = dir.resolve("site-notes");
            SiteSummary with = generator(List.of("base")).section(new NeuronSection("notes",
                    List.of("neuron_notes"), "SELECT checkpoint, matrix, layer, neuron, "
                    + "transform(array_sort(collect_list(struct(place, note))), x -> x.note) AS value "
                    + "FROM neuron_notes WHERE array_contains(:checkpoints, checkpoint) "
                    + "GROUP BY checkpoint, matrix, layer, neuron")).write(shown.toString());
            assertEquals(List.of(), with.notShown());
            JsonNode notes = null;
            JsonNode shard = SiteData.read(shown, SiteKeys.neuronShard(0, dog.layer(), null,
                    dog.neuron() - dog.neuron() % PER_SHARD));
            int withNotes = 0;
            for (JsonNode r : shard.get("neurons")) {
                if (r.has("notes")) {
                    notes = r.get("notes");
                    withNotes++;
                    assertEquals("up", r.get("matrix").asText());
                    assertEquals(dog.neuron(), r.get("neuron").asInt());
                }
            }
            assertEquals(1, withNotes);
            assertEquals("[\"barks\",\"fetches\"]", notes.toString());
            assertEquals(List.of("profile", "notes"), list(SiteData.read(shown, SiteKeys.ATLAS).get("sections")));
            assertThrows(IllegalArgumentException.class, () -> generator(List.of("base")).section(
                    new NeuronSection("examples", List.of("neuron_notes"), "SELECT 1")),
                    "a built-in section's field cannot be filled twice");
        } finally {
            spark.catalog().dropTempView("neuron_notes");
        }
    }

    @Test
    void aSiteOfOneCheckpointReplacesTheSiteBeforeIt() throws IOException {
        Path out = Files.createDirectories(dir.resolve("site-other"));
        // A site written before, as far as the generator can tell: it has data/atlas.js.
        Files.createDirectories(out.resolve("data/neurons/c0/L1"));
        Files.writeString(out.resolve(ScriptShard.file(SiteKeys.ATLAS)), "NeuronAtlas.put(\"atlas\",{});\n");
        Files.writeString(out.resolve(ScriptShard.file(SiteKeys.neuronShard(0, 1, null, 0))), "old");
        SiteSummary again = generator(List.of("other")).write(out.toString());
        assertEquals(List.of("other"), again.checkpoints());
        JsonNode index = SiteData.read(out, SiteKeys.ATLAS);
        assertEquals(1, index.get("checkpoints").size());
        assertEquals("other", index.get("checkpoints").get(0).get("checkpoint").asText());
        assertEquals(List.of(SiteKeys.neuronShard(0, 0, null, 0), SiteKeys.neuronShard(0, 0, null, 16),
                SiteKeys.neuronShard(0, 0, null, 32)), SiteData.keys(out, "neurons"));
        List<String> files = SiteData.files(out);
        assertEquals(again.files(), files.size());
        assertTrue(files.containsAll(List.of("index.html", "assets/app.js", "assets/core.js", "assets/style.css")));
        assertTrue(files.stream().noneMatch(f -> f.endsWith(".crc") || f.contains("/.")), files.toString());
        long bytes = 0;
        for (String f : files) {
            bytes += Files.size(out.resolve(f));
        }
        assertEquals(again.bytes(), bytes);
        try (var siblings = Files.list(dir)) {
            assertTrue(siblings.noneMatch(p -> p.getFileName().toString().contains(".partial-")),
                    "no staging folder is left");
        }
    }

    @Test
    void aFailedReportLeavesThePreviousSiteAsItWas() throws IOException {
        Path out = Files.createDirectories(dir.resolve("site-kept"));
        Files.createDirectories(out.resolve("data"));
        Files.writeString(out.resolve(ScriptShard.file(SiteKeys.ATLAS)), "NeuronAtlas.put(\"atlas\",{});\n");
        Files.writeString(out.resolve("index.html"), "the previous site");
        // A section whose query cannot run: the report fails after the staging folder got its first files.
        ReportGenerator broken = generator(List.of("other")).section(new NeuronSection("broken", List.of("neurons"),
                "SELECT checkpoint, matrix, layer, neuron, no_such_column AS value FROM neurons"));
        Exception e = assertThrows(Exception.class, () -> broken.write(out.toString()));
        assertTrue(e.getMessage().contains("no_such_column"), e.getMessage());
        assertEquals(List.of("data/atlas.js", "index.html"), SiteData.files(out));
        assertEquals("the previous site", Files.readString(out.resolve("index.html")));
        try (var siblings = Files.list(dir)) {
            assertTrue(siblings.noneMatch(p -> p.getFileName().toString().contains(".partial-")),
                    "the staging folder is removed");
        }
    }

    @Test
    void badRequestsAreRefusedBeforeAnythingIsWritten() throws IOException {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> generator(List.of("nope")).write(dir.resolve("never").toString()));
        assertTrue(unknown.getMessage().contains("--checkpoint nope: no such checkpoint in the atlas (it has ["),
                unknown.getMessage());
        assertFalse(Files.exists(dir.resolve("never")));

        Path taken = Files.createDirectories(dir.resolve("notes"));
        Files.writeString(taken.resolve("mine.txt"), "keep me");
        IllegalArgumentException occupied = assertThrows(IllegalArgumentException.class,
                () -> generator(List.of()).write(taken.toString()));
        assertTrue(occupied.getMessage().contains("is a folder with files that is not a site"), occupied.getMessage());
        assertEquals(List.of("mine.txt"), SiteData.files(taken));

        assertThrows(IllegalArgumentException.class, () -> new ReportOptions(List.of(), 0, 1, 1, 1, 1));
        IllegalArgumentException limit = assertThrows(IllegalArgumentException.class,
                () -> new ReportOptions(List.of(), 1, -3, 1, 1, 1));
        assertEquals("--search-limit must be positive, found -3", limit.getMessage());
    }
}
