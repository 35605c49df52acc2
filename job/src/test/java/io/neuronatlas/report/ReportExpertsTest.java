package io.neuronatlas.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.neuronatlas.checkpoint.MlpBlock;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.PlantedNeuron;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.checkpoint.synthetic.SyntheticFamily;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import io.neuronatlas.udfs.TokenText;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The site of a mixture-of-experts atlas against the atlas read with Spark: a Qwen2-MoE checkpoint whose layer 0 is
 * dense and whose layer 1 has three routed experts and a shared one, with planted neurons at the same index (up_proj
 * neuron 5) in expert 1 (" dog"), the shared expert (" cat") and the dense layer (" California"), so that a record,
 * shard, search row or section keyed without the expert would mix them up.
 */
class ReportExpertsTest {
    static final int PER_SHARD = 16;
    static final int LIMIT = 100;
    static final int D_MLP = 24;
    static final int D_EXPERT = 16;
    static final int D_SHARED = 20;
    static final int NEURON = 5;
    static final List<String> MATRICES = List.of("gate", "up", "down");

    @TempDir
    static Path dir;
    static Atlas atlas;
    static Path site;
    static SyntheticCheckpoint.Written model;

    /** "moe" (watching " dog") and "moe-copy", the same checkpoint mapped again: its other same-shape checkpoint. */
    @BeforeAll
    static void writeSite() throws IOException {
        model = writeModel(dir);
        Path atlasDir = dir.resolve("atlas");
        Maps.of(model.dir(), atlasDir).checkpoint("moe").watch(" dog").run();
        Maps.of(model.dir(), atlasDir).checkpoint("moe-copy").run();
        atlas = Atlas.open(TestSpark.session(), atlasDir.toString());
        site = dir.resolve("site");
        generator().write(site.toString());
    }

    /** The Qwen2-MoE checkpoint with its planted neurons, in dir/qwen2-moe. */
    static SyntheticCheckpoint.Written writeModel(Path dir) throws IOException {
        return new SyntheticCheckpoint().family(SyntheticFamily.QWEN2_MOE).layers(2).dModel(64).dMlp(D_MLP)
                .experts(3).expertDMlp(D_EXPERT).sharedExpertDMlp(D_SHARED).denseLayers(0).vocab(600).seed(11)
                .plant(PlantedNeuron.dog(1, NEURON).inExpert("1"))
                .plant(new PlantedNeuron(MlpMatrix.UP, 1, MlpBlock.SHARED, NEURON, Map.of(" cat", 1.0)))
                .plant(new PlantedNeuron(MlpMatrix.UP, 0, NEURON, Map.of(" California", 1.0)))
                .write(dir.resolve("qwen2-moe"));
    }

    static ReportGenerator generator() {
        return new ReportGenerator(atlas, new ReportOptions(List.of(), PER_SHARD, LIMIT, 300, 10, 5),
                new PrintStream(OutputStream.nullOutputStream()));
    }

    static int ci(String checkpoint) {
        return atlas.checkpoints().stream().map(e -> e.checkpoint()).toList().indexOf(checkpoint);
    }

    /** The MLPs of a layer as the synthetic family builds them, independently of the atlas and the report. */
    static List<MlpBlock> blocks(int layer) {
        return model.blocks(layer);
    }

    @Test
    void everyExpertsNeuronsAreInShardsOfTheirOwnWithTheirAtlasRows() {
        List<String> expectedKeys = new ArrayList<>();
        for (String checkpoint : List.of("moe", "moe-copy")) {
            for (int layer = 0; layer < 2; layer++) {
                for (MlpBlock block : blocks(layer)) {
                    for (int first = 0; first < block.width(); first += PER_SHARD) {
                        expectedKeys.add(SiteKeys.neuronShard(ci(checkpoint), layer, block.expert(), first));
                    }
                }
            }
        }
        expectedKeys.sort(null);
        assertEquals(expectedKeys, SiteData.keys(site, "neurons"));
        assertTrue(expectedKeys.contains("neurons/c" + ci("moe") + "/L1/Eshared/16"), expectedKeys.toString());
        assertTrue(expectedKeys.contains("neurons/c" + ci("moe") + "/L0/16"), expectedKeys.toString());

        SparkSession spark = TestSpark.session();
        Map<String, List<Row>> tokens = new HashMap<>();
        for (Row r : spark.sql("SELECT matrix, layer, neuron, polarity, rank, token_id, token, score, prob, "
                + "normalized_prob, expert FROM neuron_tokens WHERE checkpoint = 'moe' ORDER BY rank").collectAsList()) {
            tokens.computeIfAbsent(key(r.getString(0), r.getInt(1), r.getString(10), r.getInt(2)) + "/"
                    + r.getString(3), k -> new ArrayList<>()).add(r);
        }
        Map<String, Row> stats = new HashMap<>();
        for (Row r : spark.sql("SELECT * FROM neurons WHERE checkpoint = 'moe'").collectAsList()) {
            stats.put(key(r.getAs("matrix"), r.getAs("layer"), r.getAs("expert"), r.getAs("neuron")), r);
        }
        int records = 0;
        for (int layer = 0; layer < 2; layer++) {
            for (MlpBlock block : blocks(layer)) {
                for (int first = 0; first < block.width(); first += PER_SHARD) {
                    JsonNode shard = SiteData.read(site, SiteKeys.neuronShard(ci("moe"), layer, block.expert(),
                            first));
                    assertEquals("moe", shard.get("checkpoint").asText());
                    assertEquals(layer, shard.get("layer").asInt());
                    assertEquals(block.expert(), text(shard.get("expert")));
                    assertEquals(first, shard.get("first").asInt());
                    int indices = Math.min(PER_SHARD, block.width() - first);
                    JsonNode neurons = shard.get("neurons");
                    assertEquals(3 * indices, neurons.size());
                    for (int i = 0; i < neurons.size(); i++) {
                        JsonNode record = neurons.get(i);
                        String matrix = MATRICES.get(i / indices);
                        int neuron = first + i % indices;
                        String key = key(matrix, layer, block.expert(), neuron);
                        assertEquals(matrix, record.get("matrix").asText(), key);
                        assertEquals(block.expert(), text(record.get("expert")), key);
                        assertEquals(block.isDense(), !record.has("expert"), "a dense record has no expert: " + key);
                        assertEquals(neuron, record.get("neuron").asInt(), key);
                        ReportGeneratorTest.assertTokens(tokens.get(key + "/+"), record.get("positive"), key);
                        ReportGeneratorTest.assertTokens(tokens.get(key + "/-"), record.get("negative"), key);
                        Row s = stats.get(key);
                        for (String stat : List.of("norm", "max_score", "entropy")) {
                            assertEquals(s.<Float>getAs(stat), (float) record.get("stats").get(stat).doubleValue(),
                                    key + " " + stat);
                        }
                        records++;
                    }
                }
            }
        }
        assertEquals(3 * (D_MLP + 3 * D_EXPERT + D_SHARED), records);
        assertEquals(stats.size(), records);

        // The planted neurons, at one index in three MLPs, each in its own record.
        assertEquals(" dog", record("moe", "up", 1, "1", NEURON).get("positive").get("token").get(0).asText());
        assertEquals(" cat", record("moe", "up", 1, MlpBlock.SHARED, NEURON).get("positive").get("token").get(0)
                .asText());
        assertEquals(" California", record("moe", "up", 0, null, NEURON).get("positive").get("token").get(0)
                .asText());
    }

    static String key(String matrix, int layer, String expert, int neuron) {
        return matrix + "/" + layer + "/" + expert + "/" + neuron;
    }

    static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }

    static JsonNode record(String checkpoint, String matrix, int layer, String expert, int neuron) {
        JsonNode shard = SiteData.read(site, SiteKeys.neuronShard(ci(checkpoint), layer, expert,
                neuron - neuron % PER_SHARD));
        for (JsonNode r : shard.get("neurons")) {
            if (r.get("matrix").asText().equals(matrix) && r.get("neuron").asInt() == neuron
                    && Objects.equals(text(r.get("expert")), expert)) {
                return r;
            }
        }
        throw new AssertionError("no record of " + key(matrix, layer, expert, neuron));
    }

    @Test
    void theTokenIndexListsFindTokensRowsWithTheirExperts() {
        int shards = SiteData.read(site, SiteKeys.ATLAS).get("search").get("shards").asInt();
        List<String> names = atlas.checkpoints().stream().map(e -> e.checkpoint()).toList();
        int withExperts = 0;
        for (String word : List.of(" dog", " cat", " California", "the", " Paris")) {
            String norm = TokenText.norm(word);
            JsonNode entry = ReportGeneratorTest.word(SiteData.read(site, SiteKeys.searchShard(
                    SearchBuckets.bucket(norm, shards))), norm);
            List<Row> found = atlas.findToken(word, LIMIT).collectAsList();
            JsonNode n = entry.get("neurons");
            assertEquals(found.size(), n.get("c").size(), word);
            boolean anyExpert = found.stream().anyMatch(r -> r.getAs("expert") != null);
            assertEquals(anyExpert, n.has("expert"), word + ": an expert column only where a row has an expert");
            for (int i = 0; i < found.size(); i++) {
                Row r = found.get(i);
                String at = word + " row " + i;
                assertEquals(r.<String>getAs("checkpoint"), names.get(n.get("c").get(i).asInt()), at);
                assertEquals(r.<String>getAs("matrix"), n.get("matrix").get(i).asText(), at);
                assertEquals(r.<Integer>getAs("layer"), n.get("layer").get(i).asInt(), at);
                assertEquals(r.<String>getAs("expert"), anyExpert ? text(n.get("expert").get(i)) : null, at);
                assertEquals(r.<Integer>getAs("neuron"), n.get("neuron").get(i).asInt(), at);
                assertEquals(r.<String>getAs("polarity"), n.get("polarity").get(i).asText(), at);
                assertEquals(r.<Integer>getAs("token_id"), n.get("token_id").get(i).asInt(), at);
                assertEquals(r.<Float>getAs("normalized_prob"), (float) n.get("normalized_prob").get(i).doubleValue(),
                        at);
                if (r.getAs("expert") != null) {
                    withExperts++;
                }
            }
        }
        assertTrue(withExperts > 0);
        JsonNode dog = ReportGeneratorTest.word(SiteData.read(site, SiteKeys.searchShard(
                SearchBuckets.bucket("dog", shards))), "dog").get("neurons");
        assertEquals("moe up 1 1 5", names.get(dog.get("c").get(0).asInt()) + " " + dog.get("matrix").get(0).asText()
                + " " + dog.get("layer").get(0).asInt() + " " + dog.get("expert").get(0).asText() + " "
                + dog.get("neuron").get(0).asInt());
    }

    @Test
    void profilesAndOtherCheckpointsAreKeyedByExpert() {
        SparkSession spark = TestSpark.session();
        for (String expert : List.of("1", MlpBlock.SHARED, "0")) {
            JsonNode profile = record("moe", "up", 1, expert, NEURON).get("profile");
            assertEquals(1, profile.size(), expert);
            Row watched = spark.sql("SELECT score, normalized_prob FROM token_profiles WHERE checkpoint = 'moe' AND "
                    + "matrix = 'up' AND layer = 1 AND neuron = " + NEURON + " AND expert = '" + expert + "'").first();
            assertEquals(watched.getFloat(0), (float) profile.get(0).get("score").doubleValue(), expert);
            assertEquals(watched.getFloat(1), (float) profile.get(0).get("normalized_prob").doubleValue(), expert);
            // Ranked among the layer's neurons of every expert together.
            assertEquals(3 * D_EXPERT + D_SHARED, profile.get(0).get("layer_neurons").asInt(), expert);
        }
        assertEquals(1, record("moe", "up", 1, "1", NEURON).get("profile").get(0).get("layer_rank").asInt(),
                "the planted expert neuron leads its layer for \" dog\"");
        assertEquals(D_MLP, record("moe", "up", 0, null, NEURON).get("profile").get(0).get("layer_neurons").asInt());
        assertFalse(record("moe-copy", "up", 1, "1", NEURON).has("profile"), "moe-copy watched no token");

        Map<String, String> tops = new HashMap<>();
        tops.put("1", " dog");
        tops.put(MlpBlock.SHARED, " cat");
        tops.put(null, " California");
        tops.forEach((expert, top) -> {
            int layer = expert == null ? 0 : 1;
            JsonNode elsewhere = record("moe", "up", layer, expert, NEURON).get("elsewhere");
            assertNotNull(elsewhere, expert);
            assertEquals(1, elsewhere.size(), expert);
            assertEquals("moe-copy", elsewhere.get(0).get("checkpoint").asText());
            assertEquals(top, elsewhere.get(0).get("top_token").asText(), "expert " + expert);
        });
    }

    @Test
    void theIndexHasEachLayersExpertsAndTheHomePagePoolsThem() {
        JsonNode index = SiteData.read(site, SiteKeys.ATLAS);
        for (JsonNode c : index.get("checkpoints")) {
            JsonNode groups = c.get("blocks");
            assertEquals(2, groups.size(), c.toString());
            for (int layer = 0; layer < 2; layer++) {
                JsonNode group = groups.get(layer);
                assertEquals("[" + layer + "]", group.get("layers").toString());
                List<String> experts = new ArrayList<>();
                List<Integer> widths = new ArrayList<>();
                group.get("experts").forEach(e -> experts.add(text(e)));
                group.get("widths").forEach(w -> widths.add(w.asInt()));
                assertEquals(blocks(layer).stream().map(MlpBlock::expert).toList(), experts);
                assertEquals(blocks(layer).stream().map(MlpBlock::width).toList(), widths);
            }
            assertEquals(3, c.get("shapes").get("experts").asInt());
        }
        JsonNode alignment = SiteData.read(site, SiteKeys.alignment(ci("moe")));
        for (JsonNode l : alignment.get("layers")) {
            long neurons = l.get("layer").asInt() == 0 ? D_MLP : 3 * D_EXPERT + D_SHARED;
            assertEquals(neurons, l.get("neurons").asLong(), l.toString());
            long sum = 0;
            for (JsonNode count : l.get("histogram")) {
                sum += count.asLong();
            }
            assertEquals(neurons, sum, l.toString());
        }
        assertEquals(3 * 2, alignment.get("layers").size());
    }

    /** A section whose query has an expert column fills that expert's record; one without, dense records only. */
    @Test
    void sectionsJoinOnTheExpert() throws IOException {
        Path out = dir.resolve("site-sections");
        String values = "SELECT * FROM VALUES ('moe', 'up', 1, 'shared', " + NEURON + ", 'for the shared expert'), "
                + "('moe', 'up', 0, NULL, " + NEURON + ", 'for the dense layer') "
                + "AS t(checkpoint, matrix, layer, expert, neuron, value)";
        String dense = "SELECT 'moe' AS checkpoint, 'up' AS matrix, layer, " + NEURON + " AS neuron, "
                + "'without an expert column' AS value FROM VALUES (0), (1) AS t(layer)";
        generator().section(new NeuronSection("keyed", List.of("neurons"), values))
                .section(new NeuronSection("unkeyed", List.of("neurons"), dense)).write(out.toString());
        Map<String, String> keyed = new HashMap<>();
        Map<String, String> unkeyed = new HashMap<>();
        for (int layer = 0; layer < 2; layer++) {
            for (MlpBlock block : blocks(layer)) {
                JsonNode shard = SiteData.read(out, SiteKeys.neuronShard(ci("moe"), layer, block.expert(), 0));
                for (JsonNode r : shard.get("neurons")) {
                    String key = key(r.get("matrix").asText(), layer, text(r.get("expert")), r.get("neuron").asInt());
                    if (r.has("keyed")) {
                        keyed.put(key, r.get("keyed").asText());
                    }
                    if (r.has("unkeyed")) {
                        unkeyed.put(key, r.get("unkeyed").asText());
                    }
                }
            }
        }
        assertEquals(Map.of(key("up", 1, "shared", NEURON), "for the shared expert",
                key("up", 0, null, NEURON), "for the dense layer"), keyed);
        assertEquals(Map.of(key("up", 0, null, NEURON), "without an expert column"), unkeyed);
    }
}
