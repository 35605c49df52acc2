package io.neuronatlas.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.atlas.MapTables;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.PlantedNeuron;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.compute.CensusRule;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.testing.Cli;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.io.FileUtils;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The census columns through the map, the census queries and command, reruns and atlases from before them. */
class CensusTest {
    static final PlantedNeuron PREDICTION = PlantedNeuron.prediction(2, 10, " dog");
    static final PlantedNeuron SUPPRESSION = PlantedNeuron.suppression(2, 20, " cat");

    @TempDir
    static Path dir;
    static SyntheticCheckpoint.Written model;
    static Path atlas;

    @BeforeAll
    static void map() throws IOException {
        model = new SyntheticCheckpoint().layers(3).dModel(128).dMlp(48).vocab(1024).seed(24).plant(PREDICTION)
                .plant(SUPPRESSION).write(dir.resolve("census-model"));
        atlas = dir.resolve("atlas");
        Maps.of(model.dir(), atlas).checkpoint("m").matrices(MlpMatrix.UP, MlpMatrix.DOWN).run();
    }

    @Test
    void plantedNeuronsRankFirstInTheirClassAndOnlyThere() throws IOException {
        Atlas opened = Atlas.open(TestSpark.session(), atlas.toString());
        Row prediction = opened.censusNeurons(CensusRule.PREDICTION, "m").first();
        assertEquals(List.of(PREDICTION.layer(), PREDICTION.neuron(), " dog"),
                List.of(prediction.getAs("layer"), prediction.getAs("neuron"), prediction.getAs("top_token")));
        Row suppression = opened.censusNeurons(CensusRule.SUPPRESSION, "m").first();
        assertEquals(List.of(SUPPRESSION.layer(), SUPPRESSION.neuron(), " cat"),
                List.of(suppression.getAs("layer"), suppression.getAs("neuron"), suppression.getAs("bottom_token")));

        List<Row> byLayer = opened.census("m").collectAsList();
        assertEquals(3, byLayer.size());
        for (Row r : byLayer) {
            long expected = (int) r.getAs("layer") == 2 ? 1 : 0;
            assertEquals(expected, (long) r.getAs("prediction"), "prediction neurons of layer " + r.getAs("layer"));
            assertEquals(expected, (long) r.getAs("suppression"), "suppression neurons of layer " + r.getAs("layer"));
            assertEquals(48L, (long) r.getAs("neurons"));
        }
        // Only down_proj is classified; every neuron has its moments.
        assertEquals(0, opened.sql("SELECT * FROM neurons WHERE matrix <> 'down' AND census_class IS NOT NULL")
                .count());
        assertEquals(0, opened.sql("SELECT * FROM neurons WHERE vocab_cos_kurtosis IS NULL OR score_skew IS NULL")
                .count());

        Cli.Result cli = Cli.run("census", "--atlas", atlas.toString(), "--checkpoint", "m");
        assertEquals(0, cli.code(), cli.err());
        assertTrue(cli.out().contains("prediction_share"), cli.out());

        // A checkpoint the atlas lacks: named on standard error, and no header line left on standard output.
        for (String[] extra : List.of(new String[0], new String[] {"--neurons", CensusRule.PREDICTION})) {
            List<String> argv = new java.util.ArrayList<>(List.of("census", "--atlas", atlas.toString(),
                    "--checkpoint", "nope"));
            argv.addAll(List.of(extra));
            Cli.Result refused = Cli.run(argv.toArray(String[]::new));
            assertTrue(refused.code() != 0, refused.out());
            assertEquals("", refused.out());
            assertTrue(refused.err().contains("checkpoint 'nope' is not in"), refused.err());
        }
    }

    @Test
    void aNewThresholdRemapsAndReclassifies() throws IOException {
        Path copy = dir.resolve("atlas-threshold");
        FileUtils.copyDirectory(atlas.toFile(), copy.toFile());
        MapOutcome outcome = Maps.of(model.dir(), copy).checkpoint("m").matrices(MlpMatrix.UP, MlpMatrix.DOWN)
                .censusKurtosis(1e6).outcome();
        assertEquals(MapOutcome.Status.MAPPED, outcome.status());
        assertTrue(outcome.reason().contains("census_kurtosis"), outcome.reason());
        Atlas opened = Atlas.open(TestSpark.session(), copy.toString());
        assertEquals(0, opened.sql("SELECT * FROM neurons WHERE census_class IS NOT NULL").count());
    }

    /** An atlas written before the census: its neurons files lack the columns, its entry the threshold. */
    @Test
    void anAtlasFromBeforeTheCensusOpensAndSaysToRemap() throws IOException {
        Path old = dir.resolve("atlas-old");
        FileUtils.copyDirectory(atlas.toFile(), old.toFile());
        SparkSession spark = TestSpark.session();
        // One Spark job rewrites every neurons file without the columns, each under its own name.
        Path neurons = old.resolve(MapTables.NEURONS);
        Path rewritten = dir.resolve("rewritten");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(neurons)) {
            files = walk.filter(f -> f.toString().endsWith(".parquet")).toList();
        }
        Dataset<Row> all = null;
        for (int i = 0; i < files.size(); i++) {
            Dataset<Row> one = spark.read().parquet(files.get(i).toString())
                    .withColumn("file", org.apache.spark.sql.functions.lit(i));
            all = all == null ? one : all.unionByName(one);
        }
        all.drop(MapTables.CENSUS_COLUMNS.toArray(String[]::new)).repartition(files.size(),
                        org.apache.spark.sql.functions.col("file"))
                .write().partitionBy("file").mode(SaveMode.Overwrite).parquet(rewritten.toString());
        for (int i = 0; i < files.size(); i++) {
            try (Stream<Path> parts = Files.list(rewritten.resolve("file=" + i))) {
                Path part = parts.filter(f -> f.toString().endsWith(".parquet")).findFirst().orElseThrow();
                Path file = files.get(i);
                Files.move(part, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
            }
        }
        Path entry = old.resolve("checkpoints/m.json");
        String json = Files.readString(entry, StandardCharsets.UTF_8);
        Files.writeString(entry, json.replaceAll(",\"census_kurtosis\":[0-9.eE+-]+", ""), StandardCharsets.UTF_8);

        Atlas opened = Atlas.open(spark, old.toString());
        assertEquals(0, opened.sql("SELECT * FROM neurons WHERE vocab_cos_kurtosis IS NOT NULL").count());
        assertTrue(opened.sql("SELECT * FROM neurons").count() > 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opened.census("m"));
        assertTrue(e.getMessage().contains("census needs a remap"), e.getMessage());
        Cli.Result cli = Cli.run("census", "--atlas", old.toString());
        assertEquals(1, cli.code());
        assertTrue(cli.err().contains("census needs a remap"), cli.err());
    }
}
