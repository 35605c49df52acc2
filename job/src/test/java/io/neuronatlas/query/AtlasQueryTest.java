package io.neuronatlas.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.PlantedNeuron;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.compute.projection.ReferenceProjection;
import io.neuronatlas.testing.AtlasReference;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import io.neuronatlas.udfs.TokenText;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The canned queries against a mapped synthetic checkpoint, each checked against the same answer computed in
 * plain Java from the table rows (or from the float64 reference projection for token profiles).
 */
class AtlasQueryTest {
    static final int LAYERS = 2;
    static final int D_MLP = 96;
    static final int VOCAB = 700;

    @TempDir
    static Path dir;
    static SyntheticCheckpoint.Written model;
    static Path atlasDir;
    static Atlas atlas;
    static List<Row> allTokens;
    static List<Row> allNeurons;

    @BeforeAll
    static void mapTwoCheckpoints() throws IOException {
        model = new SyntheticCheckpoint().layers(LAYERS).dModel(64).dMlp(D_MLP).vocab(VOCAB).seed(7)
                .plantDogAndCalifornia().write(dir.resolve("tiny"));
        SyntheticCheckpoint.Written other = new SyntheticCheckpoint().layers(LAYERS).dModel(64).dMlp(D_MLP)
                .vocab(VOCAB).seed(8).plantDogAndCalifornia().write(dir.resolve("tiny-b"));
        atlasDir = dir.resolve("atlas");
        Maps.of(model.dir(), atlasDir).shardSize(40).batchSize(16).watch(" dog", " puppy").run();
        Maps.of(other.dir(), atlasDir).shardSize(48).run();
        atlas = Atlas.open(TestSpark.session(), atlasDir.toString());
        // Read straight from the folders, where the project's sessions type no partition value: layer is cast here.
        allTokens = TestSpark.session().read().parquet(atlasDir + "/neuron_tokens")
                .withColumn("layer", functions.col("layer").cast("int")).collectAsList();
        allNeurons = TestSpark.session().read().parquet(atlasDir + "/neurons")
                .withColumn("layer", functions.col("layer").cast("int")).collectAsList();
    }

    private static String key(Row r) {
        return r.getAs("checkpoint") + "/" + r.getAs("matrix") + "/" + r.getAs("layer") + "/" + r.getAs("neuron")
                + "/" + r.getAs("polarity") + "/" + r.getAs("rank");
    }

    @Test
    void findTokenGroupsCaseAndSpaceVariantsLikeAFullScan() {
        List<Row> found = atlas.findToken(" Dog", 100_000).collectAsList();
        List<String> expected = allTokens.stream().filter(r -> TokenText.norm(r.getAs("token")).equals("dog"))
                .map(AtlasQueryTest::key).sorted().toList();
        assertEquals(expected, found.stream().map(AtlasQueryTest::key).sorted().toList());
        assertTrue(found.stream().map(r -> (String) r.getAs("token")).distinct().count() >= 3,
                "variants of dog in the result: " + found.stream().map(r -> r.getAs("token")).distinct().toList());
        for (int i = 1; i < found.size(); i++) {
            assertTrue((Float) found.get(i - 1).getAs("normalized_prob") >= (Float) found.get(i)
                    .getAs("normalized_prob"), "ranked by normalized_prob at row " + i);
        }
        // The planted up_proj neuron of each checkpoint is the most specific " dog" neuron.
        PlantedNeuron dog = model.planted().get(0);
        Row first = found.get(0);
        assertEquals(List.of("up", dog.layer(), dog.neuron(), "+", 1, " dog"), List.of(first.getAs("matrix"),
                first.getAs("layer"), first.getAs("neuron"), first.getAs("polarity"), first.getAs("rank"),
                first.getAs("token")));
        assertEquals("L" + dog.layer() + ".up." + dog.neuron(), first.getAs("neuron_id"));
    }

    @Test
    void findTokenReadsNeuronTokensThroughAPushedDownIdFilter() {
        atlas.findToken(" dog", 5).collectAsList();
        String plan = TestSpark.session().table(Atlas.TOKEN_MATCHES).queryExecution().executedPlan().toString();
        assertTrue(plan.contains("PushedFilters: [In(token_id,") || plan.contains("PushedFilters: [IsNotNull(token_id), In(token_id,"),
                plan);
    }

    @Test
    void unknownWordFindsNothing() {
        assertEquals(0, atlas.findToken("zebra-that-is-not-there", 10).count());
    }

    @Test
    void profileMatchesTheFloat64Reference() throws IOException {
        int dogId = model.tokens().idOf(" dog").getAsInt();
        List<Row> profile = atlas.profile(" dog").where("checkpoint = 'tiny'").collectAsList();
        assertEquals(3 * LAYERS * D_MLP, profile.size(), "one row per neuron");
        Map<String, Row> byNeuron = new HashMap<>();
        profile.forEach(r -> byNeuron.put(r.getAs("matrix") + "/" + r.getAs("layer") + "/" + r.getAs("neuron"), r));
        try (AtlasReference reference = new AtlasReference(model.dir(), "lm_head.weight", null)) {
            float[] head = headRows();
            for (MlpMatrix m : MlpMatrix.values()) {
                for (int layer = 0; layer < LAYERS; layer++) {
                    float[] x = reference.neurons(m, layer);
                    ReferenceProjection.Neuron[] ref = ReferenceProjection.compute(head, VOCAB, 64, x, D_MLP, 20);
                    for (int n = 0; n < D_MLP; n++) {
                        Row row = byNeuron.get(m.label() + "/" + layer + "/" + n);
                        ReferenceProjection.Neuron e = ref[n];
                        double scale = Math.max(Math.abs(e.max), Math.abs(e.min));
                        String at = m.label() + " L" + layer + " n" + n;
                        assertEquals(dogId, (int) (Integer) row.getAs("token_id"), at);
                        close(e.scores[dogId], row.getAs("score"), 1e-4 * Math.max(Math.abs(e.scores[dogId]),
                                scale), at + " score");
                        close(e.probs[0][dogId], row.getAs("prob"), 1e-3 * e.probs[0][dogId], at + " prob");
                        close(e.normProbs[0][dogId], row.getAs("normalized_prob"), 1e-3 * e.normProbs[0][dogId],
                                at + " normalized_prob");
                    }
                }
            }
        }
        Row top = profile.stream().max(Comparator.comparing(r -> (Float) r.getAs("normalized_prob"))).get();
        PlantedNeuron dog = model.planted().get(0);
        assertEquals("L" + dog.layer() + ".up." + dog.neuron(), top.getAs("neuron_id"));
    }

    private static float[] headRows() throws IOException {
        try (var weights = io.neuronatlas.checkpoint.safetensors.WeightFiles.open(model.dir())) {
            float[] head = new float[VOCAB * 64];
            weights.fileOf("lm_head.weight").readRows("lm_head.weight", 0, VOCAB, head, 0);
            return head;
        }
    }

    private static void close(double expected, Object actual, double tolerance, String what) {
        double a = ((Float) actual).doubleValue();
        assertTrue(Math.abs(expected - a) <= tolerance, what + ": expected " + expected + " got " + a);
    }

    @Test
    void profileNamesWhatWasWatched() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> atlas.profile(" cat"));
        assertTrue(e.getMessage().contains("\" cat\" was not watched") && e.getMessage().contains("\" dog\"")
                && e.getMessage().contains("--watch"), e.getMessage());
    }

    @Test
    void alignmentQuantilesAndShareMatchTheRows() {
        double threshold = 2.0;
        List<Row> rows = atlas.alignment(threshold).collectAsList();
        Map<String, List<Float>> values = new TreeMap<>();
        for (Row r : allNeurons) {
            values.computeIfAbsent(r.getAs("checkpoint") + "/" + r.getAs("matrix") + "/" + r.getAs("layer"),
                    k -> new ArrayList<>()).add(r.getAs("max_abs_score"));
        }
        assertEquals(values.size(), rows.size());
        for (Row r : rows) {
            List<Float> v = values.get(r.getAs("checkpoint") + "/" + r.getAs("matrix") + "/" + r.getAs("layer"));
            v.sort(null);
            int n = v.size();
            assertEquals(n, (long) (Long) r.getAs("neurons"));
            assertEquals(v.get(0), (Float) r.getAs("min"));
            assertEquals(v.get(n - 1), (Float) r.getAs("max"));
            // Nearest rank: the smallest value with at least that share of values at or below it.
            assertEquals(v.get((int) Math.ceil(0.5 * n) - 1), (Float) r.getAs("median"));
            assertEquals(v.get((int) Math.ceil(0.9 * n) - 1), (Float) r.getAs("p90"));
            double share = v.stream().filter(x -> x > threshold).count() / (double) n;
            assertEquals(share, (Double) r.getAs("share_above"), 1e-9);
        }
    }

    @Test
    void histogramCountsEveryNeuronInItsBin() {
        int bins = 8;
        Map<String, Float> top = new HashMap<>();
        for (Row r : allNeurons) {
            top.merge(r.getAs("checkpoint"), r.getAs("max_abs_score"), Math::max);
        }
        Map<String, Long> expected = new TreeMap<>();
        for (Row r : allNeurons) {
            double t = top.get((String) r.getAs("checkpoint"));
            int bin = Math.min((int) Math.floor((Float) r.getAs("max_abs_score") / t * bins) + 1, bins);
            expected.merge(r.getAs("checkpoint") + "/" + r.getAs("matrix") + "/" + r.getAs("layer") + "/" + bin,
                    1L, Long::sum);
        }
        Map<String, Long> actual = new TreeMap<>();
        for (Row r : atlas.alignmentHistogram(bins).collectAsList()) {
            actual.put(r.getAs("checkpoint") + "/" + r.getAs("matrix") + "/" + r.getAs("layer") + "/"
                    + r.getAs("bin"), r.getAs("neurons"));
        }
        assertEquals(expected, actual);
    }

    @Test
    void topNeuronsAreTheLayersMostAlignedWithTheirFirstTokens() {
        List<Row> rows = atlas.topNeurons("up", 1, 5, 3).where("checkpoint = 'tiny'").collectAsList();
        List<Row> layer = new ArrayList<>(allNeurons.stream().filter(r -> r.getAs("checkpoint").equals("tiny")
                && r.getAs("matrix").equals("up") && (Integer) r.getAs("layer") == 1).toList());
        layer.sort(Comparator.comparing((Row r) -> -(Float) r.getAs("max_abs_score"))
                .thenComparing(r -> (Integer) r.getAs("neuron")));
        assertEquals(5, rows.size());
        for (int i = 0; i < 5; i++) {
            int neuron = layer.get(i).getAs("neuron");
            assertEquals(neuron, (int) (Integer) rows.get(i).getAs("neuron"));
            assertEquals("L1.up." + neuron, rows.get(i).getAs("neuron_id"));
            for (String polarity : List.of("+", "-")) {
                StringBuilder expected = new StringBuilder();
                allTokens.stream().filter(r -> r.getAs("checkpoint").equals("tiny") && r.getAs("matrix").equals("up")
                        && (Integer) r.getAs("layer") == 1 && (Integer) r.getAs("neuron") == neuron
                        && r.getAs("polarity").equals(polarity) && (Integer) r.getAs("rank") <= 3)
                        .sorted(Comparator.comparing(r -> (Integer) r.getAs("rank")))
                        .forEach(r -> expected.append(expected.length() == 0 ? "" : " ").append('"')
                                .append((String) r.getAs("token")).append('"'));
                assertEquals(expected.toString(), rows.get(i).getAs(polarity.equals("+") ? "top_tokens"
                        : "bottom_tokens"));
            }
        }
    }

    @Test
    void compareCountsNeuronsWithTheSameTopToken() {
        Map<String, Integer> topA = new HashMap<>();
        Map<String, Integer> topB = new HashMap<>();
        for (Row r : allTokens) {
            if (r.getAs("polarity").equals("+") && (Integer) r.getAs("rank") == 1) {
                String k = r.getAs("matrix") + "/" + r.getAs("layer") + "/" + r.getAs("neuron");
                (r.getAs("checkpoint").equals("tiny") ? topA : topB).put(k, r.getAs("token_id"));
            }
        }
        Map<String, Long> same = new TreeMap<>();
        topA.forEach((k, id) -> same.merge(k.substring(0, k.lastIndexOf('/')),
                id.equals(topB.get(k)) ? 1L : 0L, Long::sum));
        List<Row> rows = atlas.compare("tiny", "tiny-b").collectAsList();
        assertEquals(3 * LAYERS, rows.size());
        for (Row r : rows) {
            String k = r.getAs("matrix") + "/" + r.getAs("layer");
            assertEquals((long) D_MLP, (long) (Long) r.getAs("neurons"), k);
            assertEquals(same.get(k), (Long) r.getAs("same_top_token"), k);
            assertEquals(same.get(k) / (double) D_MLP, ((Number) r.getAs("agreement")).doubleValue(), 1e-9, k);
        }
        assertTrue(same.values().stream().mapToLong(Long::longValue).sum() < 3L * LAYERS * D_MLP,
                "a different seed changes some top tokens");
        for (Row r : atlas.compare("tiny", "tiny").collectAsList()) {
            assertEquals(1.0, ((Number) r.getAs("agreement")).doubleValue(), 1e-12);
        }
    }

    @Test
    void unknownCannedQueryIsNamed() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> CannedQuery.sql("nope"));
        assertTrue(e.getMessage().contains("io/neuronatlas/query/sql/nope.sql"), e.getMessage());
    }
}
