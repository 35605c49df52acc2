package io.neuronatlas.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.atlas.MapTables;
import io.neuronatlas.atlas.OutputKind;
import io.neuronatlas.atlas.RunRecord;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.PlantedNeuron;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.testing.AtlasReference;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The map end to end in local Spark: planted answers, the float64 reference, invariance, replacement. */
class MapJobTest {
    static final int LAYERS = 2;
    static final int D_MLP = 96;

    @TempDir
    static Path dir;
    static SyntheticCheckpoint.Written model;

    @BeforeAll
    static void writeCheckpoint() throws IOException {
        model = new SyntheticCheckpoint().layers(LAYERS).dModel(64).dMlp(D_MLP).vocab(700).seed(7)
                .plantDogAndCalifornia().write(dir.resolve("tiny-llama"));
    }

    @Test
    void plantedNeuronsComeFirstAndEveryNumberMatchesTheFloat64Reference() throws IOException {
        Path atlas = dir.resolve("atlas-reference");
        Maps.of(model.dir(), atlas).shardSize(40).batchSize(16).run();

        PlantedNeuron dog = model.planted().get(0);
        List<Row> dogTokens = TestSpark.session().sql("SELECT polarity, rank, token FROM parquet.`" + atlas
                + "/neuron_tokens` WHERE matrix = 'up' AND layer = " + dog.layer() + " AND neuron = " + dog.neuron()
                + " AND polarity = '+' ORDER BY rank").collectAsList();
        assertEquals(" dog", dogTokens.get(0).getString(2));
        assertEquals(" puppy", dogTokens.get(1).getString(2));

        PlantedNeuron california = model.planted().get(1);
        Row bottom = TestSpark.session().sql("SELECT bottom_token, top_token FROM parquet.`" + atlas
                + "/neurons` WHERE matrix = 'down' AND layer = " + california.layer() + " AND neuron = "
                + california.neuron()).first();
        assertEquals(" California", bottom.getString(0));

        int checked = 0;
        try (AtlasReference reference = new AtlasReference(model.dir(), "lm_head.weight", null)) {
            for (MlpMatrix m : MlpMatrix.values()) {
                for (int layer = 0; layer < LAYERS; layer++) {
                    checked += reference.check(atlas.toString(), "tiny-llama", m, layer, 20);
                }
            }
        }
        assertEquals(3 * LAYERS * D_MLP, checked);
    }

    @Test
    void rowsDoNotDependOnShardSizeOrBatchSize() throws IOException {
        Path one = dir.resolve("atlas-one-shard");
        Path many = dir.resolve("atlas-many-shards");
        Maps.of(model.dir(), one).shardSize(D_MLP).batchSize(512).watch(" dog").run();
        Maps.of(model.dir(), many).shardSize(7).batchSize(1).watch(" dog").run();
        for (String table : MapTables.TABLES) {
            List<Map<String, Object>> a = TestSpark.tableAsMaps(one.toString(), table);
            List<Map<String, Object>> b = TestSpark.tableAsMaps(many.toString(), table);
            assertEquals(a.size(), b.size(), table);
            for (int i = 0; i < a.size(); i++) {
                for (Map.Entry<String, Object> e : a.get(i).entrySet()) {
                    Object other = b.get(i).get(e.getKey());
                    if (e.getValue() instanceof Float f) {
                        float g = (Float) other;
                        assertTrue(Math.abs(f - g) <= 1e-6 * Math.max(1, Math.abs(f)),
                                table + " row " + i + " " + e.getKey() + ": " + f + " vs " + g);
                    } else if (e.getValue() instanceof scala.collection.Seq<?> fs) {
                        // layer_scores' sorted floats: each within the same tolerance
                        scala.collection.Seq<?> gs = (scala.collection.Seq<?>) other;
                        assertEquals(fs.size(), gs.size(), table + " row " + i + " " + e.getKey());
                        for (int j = 0; j < fs.size(); j++) {
                            float f = (Float) fs.apply(j);
                            float g = (Float) gs.apply(j);
                            assertTrue(Math.abs(f - g) <= 1e-6 * Math.max(1, Math.abs(f)),
                                    table + " row " + i + " " + e.getKey() + "[" + j + "]: " + f + " vs " + g);
                        }
                    } else {
                        assertEquals(e.getValue(), other, table + " row " + i + " " + e.getKey());
                    }
                }
            }
        }
    }

    @Test
    void remappingReplacesOnlyThatCheckpointsPartitions() throws IOException {
        Path atlas = dir.resolve("atlas-two-checkpoints");
        Maps.of(model.dir(), atlas).checkpoint("base").matrices(MlpMatrix.UP).run();
        Maps.of(model.dir(), atlas).checkpoint("instruct").matrices(MlpMatrix.UP, MlpMatrix.DOWN).run();
        List<Row> instructBefore = TestSpark.session().read().parquet(atlas + "/neuron_tokens")
                .where("checkpoint = 'instruct'").orderBy("matrix", "layer", "neuron", "polarity", "rank")
                .collectAsList();

        Maps.of(model.dir(), atlas).checkpoint("base").matrices(MlpMatrix.GATE).layers("1").topK(5).run();

        List<Row> base = TestSpark.session().sql("SELECT DISTINCT matrix, layer, rank FROM parquet.`" + atlas
                + "/neuron_tokens` WHERE checkpoint = 'base' ORDER BY rank DESC").collectAsList();
        // The project's sessions read partition values as text (Sessions turns type inference off): layer is "1".
        assertTrue(base.stream().allMatch(r -> r.getString(0).equals("gate") && r.get(1).equals("1")),
                "base now holds gate layer 1 only: " + base);
        assertEquals(5, base.get(0).getInt(2));
        List<Row> instructAfter = TestSpark.session().read().parquet(atlas + "/neuron_tokens")
                .where("checkpoint = 'instruct'").orderBy("matrix", "layer", "neuron", "polarity", "rank")
                .collectAsList();
        assertEquals(instructBefore, instructAfter);
        for (String table : List.of(MapTables.NEURON_TOKENS, MapTables.NEURONS, OutputKind.MAP.records())) {
            for (String checkpoint : List.of("base", "instruct")) {
                try (var runs = Files.list(atlas.resolve(table).resolve("checkpoint=" + checkpoint))) {
                    assertEquals(1, runs.count(), table + ": the replaced run of " + checkpoint + " left behind");
                }
            }
        }
        long baseNeurons = TestSpark.session().read().parquet(atlas + "/neurons").where("checkpoint = 'base'").count();
        assertEquals(D_MLP, baseNeurons);
    }

    @Test
    void runRecordDescribesTheRun() throws IOException {
        Path atlas = dir.resolve("atlas-record");
        RunRecord record = Maps.of(model.dir(), atlas).matrices(MlpMatrix.DOWN).layers("0").shardSize(32).run();
        Path file = atlas.resolve("runs/checkpoint=tiny-llama/run=" + record.runId() + "/run.json");
        JsonNode json = new ObjectMapper().readTree(file.toFile());
        assertFalse(json.has("checkpoint"), "the name is the partition folder's, not repeated in the file");
        assertEquals(record.runId(), json.get("runId").asText());
        assertTrue(json.get("fingerprint").asText().matches("xxh64:[0-9a-f]{16}"), json.get("fingerprint").asText());
        assertTrue(json.at("/timings/fingerprintSeconds").asDouble() > 0);
        assertEquals(64, json.at("/config/dModel").asInt());
        assertEquals(20, json.at("/parameters/topK").asInt());
        assertEquals("[\"down\"]", json.at("/parameters/matrices").toString());
        assertEquals(3, json.get("shards").size());
        assertEquals(D_MLP, json.get("neurons").asLong());
        assertTrue(json.at("/timings/mapSeconds").asDouble() > 0);
        assertTrue(json.at("/shards/0/computeSeconds").asDouble() > 0);
        assertTrue(json.get("engine").asText().contains("PyTorch"), json.get("engine").asText());
        JsonNode executors = json.get("executors");
        assertTrue(executors.size() >= 1);
        assertEquals("cpu()", executors.get(0).get("device").asText());
        long shardsAcrossExecutors = 0;
        for (JsonNode e : executors) {
            shardsAcrossExecutors += e.get("shards").asLong();
        }
        assertEquals(3, shardsAcrossExecutors);
        Row run = TestSpark.session().read().json(atlas + "/runs").select("checkpoint", "runId", "run").first();
        assertEquals("tiny-llama", run.getString(0));
        assertEquals(record.runId(), run.getString(1));
        assertEquals(record.runId(), run.getString(2), "the run folder is the run id");
    }
}
