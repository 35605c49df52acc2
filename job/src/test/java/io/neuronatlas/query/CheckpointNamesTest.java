package io.neuronatlas.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.testing.Cli;
import io.neuronatlas.testing.Cli.Result;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint's name reads back as the same text in Spark, DuckDB and pandas: names those readers would type as
 * numbers, dates or booleans are refused with a message suggesting a prefix, and the atlas's own views never type
 * partition folders by their looks, so an atlas that holds both "007" and "7" (written before names were checked)
 * keeps them apart.
 */
class CheckpointNamesTest {
    @TempDir
    Path dir;

    @Test
    void namesOtherReadersWouldRetypeAreRefusedWithAPrefixSuggested() {
        for (String name : List.of("007", "7", "1000", "1_000", "1.5", "2.", "1e5", "1E-3", "2d", "3f", "9L", "0x1f",
                "2024-01-31", "2024-1-3T10", "true", "False", "null", "NaN", "Infinity", "inf", "NA")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> AtlasPaths.checkCheckpointName(name), name);
            assertTrue(e.getMessage().contains("give it a prefix, e.g. 'ckpt-" + name + "' (pass --checkpoint NAME)"),
                    e.getMessage());
        }
        for (String name : List.of("ckpt-007", "step-1000", "v1.2.3", "1.2.3", "7b", "llama3", "checkpoint-1000",
                "2024-01-31-run2", "e5", "a1e5", "true-north", "model_2024")) {
            assertEquals(name, AtlasPaths.checkCheckpointName(name), name);
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AtlasPaths.checkCheckpointName("12",
                "rename the folder")).getMessage().endsWith("(rename the folder)"));
    }

    @Test
    void theMapRefusesSuchANameBeforeReadingAnyWeights() throws IOException {
        Path model = new SyntheticCheckpoint().layers(1).dModel(16).dMlp(16).vocab(300).write(dir.resolve("m")).dir();
        Result r = Cli.run("map", "--model", model.toString(), "--out", dir.resolve("atlas").toString(),
                "--checkpoint", "007");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("checkpoint name '007' would not read back as the same text"), r.err());
        assertTrue(!r.out().contains("fingerprint"), "fingerprinted before refusing the name: " + r.out());
        assertTrue(!Files.exists(dir.resolve("atlas")), "wrote into the atlas");
    }

    /** Renames a mapped checkpoint's folders and catalog entry, as an atlas of an earlier version could hold it. */
    private static void rename(Path atlas, String from, String to) throws IOException {
        try (Stream<Path> tables = Files.list(atlas)) {
            for (Path table : tables.toList()) {
                Path folder = table.resolve("checkpoint=" + from);
                if (Files.isDirectory(folder)) {
                    Files.move(folder, table.resolve("checkpoint=" + to));
                }
            }
        }
        Path entry = atlas.resolve("checkpoints").resolve(from + ".json");
        Files.writeString(atlas.resolve("checkpoints").resolve(to + ".json"), Files.readString(entry)
                .replace("\"checkpoint\":\"" + from + "\"", "\"checkpoint\":\"" + to + "\""));
        Files.delete(entry);
    }

    @Test
    void theViewsKeep007And7ApartWhateverTheSessionInfers() throws IOException {
        Path model = new SyntheticCheckpoint().layers(2).dModel(16).dMlp(16).vocab(300).write(dir.resolve("m")).dir();
        Path atlas = dir.resolve("atlas");
        Maps.of(model, atlas).checkpoint("a").matrices(MlpMatrix.UP).topK(3).run();
        Maps.of(model, atlas).checkpoint("b").matrices(MlpMatrix.UP).topK(3).layers("1").run();
        rename(atlas, "a", "007");
        rename(atlas, "b", "7");

        SparkSession spark = TestSpark.session();
        String inference = "spark.sql.sources.partitionColumnTypeInference.enabled";
        spark.conf().set(inference, "true"); // a notebook's session, say, where Spark's default holds
        try {
            Atlas.open(spark, atlas.toString());
            List<Row> counts = spark.sql("SELECT checkpoint, count(*), min(layer) FROM neurons GROUP BY checkpoint "
                    + "ORDER BY checkpoint").collectAsList();
            assertEquals("[[007,32,0], [7,16,1]]", counts.toString());
            assertEquals("string", spark.table("neurons").schema().apply("checkpoint").dataType().simpleString());
            assertEquals("int", spark.table("neurons").schema().apply("layer").dataType().simpleString());
            assertEquals("true", spark.conf().get(inference), "the caller's setting is left as it was");
            Result compare = Cli.run("sql", "--atlas", atlas.toString(), "--format", "csv",
                    "SELECT checkpoint, count(*) AS n FROM neuron_tokens GROUP BY checkpoint ORDER BY checkpoint");
            assertEquals("checkpoint,n\n007,192\n7,96\n", compare.out(), compare.err());
        } finally {
            spark.conf().set(inference, "false");
        }
    }
}
