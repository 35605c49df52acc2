package io.neuronatlas.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.checkpoint.synthetic.SyntheticFamily;
import io.neuronatlas.testing.FamilyModels;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One atlas holding a map written before the expert column existed (its files rewritten without it), the same dense
 * model mapped now, and a mixture of experts: the views read the old files with a null expert whichever file Spark
 * looks at first, and the canned queries name, join and compare neurons expert by expert.
 */
class ExpertColumnTest {
    @TempDir
    static Path dir;
    static Path atlas;

    @BeforeAll
    static void mapThreeCheckpoints() throws IOException {
        atlas = dir.resolve("atlas");
        Path dense = new SyntheticCheckpoint().layers(2).dModel(32).dMlp(24).vocab(300).seed(7)
                .plantDogAndCalifornia().write(dir.resolve("dense")).dir();
        Maps.of(dense, atlas).checkpoint("old").topK(6).run();
        Maps.of(dense, atlas).checkpoint("new").topK(6).run();
        for (String table : List.of("neuron_tokens", "neurons")) {
            dropExpertColumn(atlas.resolve(table).resolve("checkpoint=old"));
        }
        SyntheticCheckpoint.Written moe = FamilyModels.write(SyntheticFamily.MIXTRAL, dir);
        Maps.of(moe.dir(), atlas).topK(6).watch(" dog").run();
    }

    /** Rewrites every Parquet file under the folder without the expert column, as the map wrote them before. */
    private static void dropExpertColumn(Path folder) throws IOException {
        SparkSession spark = TestSpark.session();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList();
        }
        assertFalse(files.isEmpty());
        for (Path file : files) {
            Path rewritten = dir.resolve("rewritten");
            spark.read().parquet(file.toString()).drop("expert").coalesce(1).write().mode("overwrite")
                    .option("compression", "zstd").parquet(rewritten.toString());
            Path part;
            try (Stream<Path> parts = Files.list(rewritten)) {
                part = parts.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
            }
            Files.move(part, file, StandardCopyOption.REPLACE_EXISTING);
            // Hadoop's local file system checks a file against its .crc sibling, which described the old bytes.
            Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
            assertFalse(Arrays.asList(spark.read().parquet(file.toString()).columns()).contains("expert"));
        }
    }

    @Test
    void oldFilesReadWithANullExpertBesideExperts() throws IOException {
        Atlas opened = Atlas.open(TestSpark.session(), atlas.toString());
        List<Row> counts = opened.sql("SELECT checkpoint, count(*), count(expert), count(DISTINCT expert) FROM neurons "
                + "GROUP BY checkpoint ORDER BY checkpoint").collectAsList();
        assertEquals("[[mixtral,432,432,3], [new,144,0,0], [old,144,0,0]]", counts.toString(),
                "mixtral: 3 matrices x 2 layers x 3 experts x 24; dense: 3 x 2 x 24, expert null");
        Row first = opened.sql("SELECT * FROM neuron_tokens WHERE checkpoint = 'old' LIMIT 1").first();
        assertNull(first.getAs("expert"));
    }

    @Test
    void findTokenNamesExpertsInNeuronIds() throws IOException {
        Atlas opened = Atlas.open(TestSpark.session(), atlas.toString());
        List<Row> hits = opened.findToken(" dog", 100)
                .where("rank = 1 AND polarity = '+' AND token = ' dog' AND normalized_prob > 20").select("checkpoint", "neuron_id", "expert").orderBy("checkpoint").collectAsList();
        assertEquals("[[mixtral,L1.e1.up.5,1], [new,L1.up.8,null], [old,L1.up.8,null]]", hits.toString());
    }

    @Test
    void topNeuronsRankEveryExpertOfALayer() throws IOException {
        Atlas opened = Atlas.open(TestSpark.session(), atlas.toString());
        List<Row> top = opened.topNeurons("up", 1, 3, 2).where("checkpoint = 'mixtral'").collectAsList();
        assertEquals(3, top.size());
        Row best = top.get(0);
        assertEquals("L1.e1.up.5", best.getAs("neuron_id"), "the planted neuron is the most aligned");
        assertEquals("1", best.getAs("expert"));
        assertTrue(((String) best.getAs("top_tokens")).startsWith("\" dog\""), best.toString());
        for (Row row : top) {
            String id = row.getAs("neuron_id");
            assertEquals("L1.e" + row.getAs("expert") + ".up." + row.getAs("neuron"), id);
        }
    }

    @Test
    void aWatchedTokensProfileCoversEveryExpert() throws IOException {
        Atlas opened = Atlas.open(TestSpark.session(), atlas.toString());
        List<Row> profile = opened.profile(" dog").where("checkpoint = 'mixtral'")
                .orderBy(org.apache.spark.sql.functions.desc("normalized_prob")).collectAsList();
        assertEquals(432, profile.size(), "every neuron of every expert");
        assertEquals("L1.e1.up.5", profile.get(0).getAs("neuron_id"));
        assertEquals(3, profile.stream().map(r -> (String) r.getAs("expert")).distinct().count());
    }

    @Test
    void anOldAndANewMapOfTheSameModelAgreeNeuronByNeuron() throws IOException {
        Atlas opened = Atlas.open(TestSpark.session(), atlas.toString());
        Comparison comparison = new Comparison(opened, "old", "new");
        List<Row> overall = comparison.overall().collectAsList();
        assertEquals("[[down,2,48,48,1.0], [gate,2,48,48,1.0], [up,2,48,48,1.0], [all,2,144,144,1.0]]",
                overall.toString());
        Row changed = comparison.changedMost().first();
        assertEquals(1.0, ((Number) changed.getAs("overlap")).doubleValue());
        assertNull(changed.getAs("expert"));
    }
}
