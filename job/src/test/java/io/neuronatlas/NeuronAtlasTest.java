package io.neuronatlas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.compute.ExecutorResources;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.compute.forward.ClampSweep;
import io.neuronatlas.examples.ExampleCorpus;
import io.neuronatlas.jobs.ClampJob;
import io.neuronatlas.jobs.ClampOptions;
import io.neuronatlas.jobs.ClampOutcome;
import io.neuronatlas.jobs.DecoderOptions;
import io.neuronatlas.jobs.ExamplesOptions;
import io.neuronatlas.jobs.ExamplesOutcome;
import io.neuronatlas.jobs.ForwardWrite;
import io.neuronatlas.jobs.GenerateOptions;
import io.neuronatlas.jobs.GenerateOutcome;
import io.neuronatlas.jobs.MapOutcome;
import io.neuronatlas.jobs.ValidateJob;
import io.neuronatlas.plan.MapOptions;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.testing.TestSpark;
import io.neuronatlas.testing.Validations;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every job called from Java through {@link NeuronAtlas}, with a SparkSession and its options record and no command
 * line: each outcome, and the tables each writes, on the planted checkpoints the job tests use (L2.40 of the
 * Validations decoder reads "?" and writes " dog"; neuron 7 of layer 1 of ExampleCorpus's model fires on " dog").
 */
class NeuronAtlasTest {
    static final String PROMPT = Validations.PROMPTS.get(0);

    @TempDir
    static Path dir;
    static Validations.Fixture fixture;
    static Path atlas;
    static MapOutcome mapped;

    @BeforeAll
    static void mapThePlantedDecoder() throws Exception {
        fixture = Validations.shared();
        atlas = dir.resolve("atlas");
        mapped = NeuronAtlas.map(spark(), mapOptions());
    }

    @AfterAll
    static void freeModels() throws Exception {
        ExecutorResources.clear();
    }

    static SparkSession spark() {
        return TestSpark.session();
    }

    static MapOptions mapOptions() {
        return MapOptions.builder(fixture.model(), atlas.toString()).topK(5).build();
    }

    static List<Row> sql(String query) throws Exception {
        return Atlas.open(spark(), atlas.toString()).sql(query).collectAsList();
    }

    @Test
    void mapWritesThePlantedNeuronsTokensAndARerunIsUpToDate() throws Exception {
        assertEquals(MapOutcome.Status.MAPPED, mapped.status());
        assertEquals("tiny-dog", mapped.checkpoint());
        List<Row> dog = sql("SELECT token, rank FROM neuron_tokens WHERE checkpoint = 'tiny-dog' AND matrix = "
                + "'down' AND layer = 2 AND neuron = 40 AND polarity = '+' ORDER BY rank");
        assertEquals(5, dog.size(), "top-k 5");
        assertEquals(" dog", dog.get(0).getString(0));
        long neurons = sql("SELECT count(*) FROM neurons WHERE checkpoint = 'tiny-dog'").get(0).getLong(0);
        assertEquals(4L * 96 * MlpMatrix.values().length, neurons, "every neuron of gate, up and down, 4 layers");
        assertEquals(MapOutcome.Status.UP_TO_DATE, NeuronAtlas.map(spark(), mapOptions()).status());
    }

    @Test
    void examplesFindThePlantedNeuronsDogSegmentsAndARerunIsUpToDate() throws Exception {
        Path model = dir.resolve("ckpt-dog");
        ExampleCorpus.model(model);
        Path corpus = ExampleCorpus.writeJsonLines(dir.resolve("corpus/docs.jsonl"), ExampleCorpus.documents());
        Path examplesAtlas = dir.resolve("examples-atlas");
        ExamplesOptions options = ExamplesOptions.builder(model, examplesAtlas.toString()).corpus(corpus.toString())
                .segment(ExampleCorpus.SEGMENT).top(4).sample(8).batchSize(3).build();
        ExamplesOutcome outcome = NeuronAtlas.examples(spark(), options);
        assertTrue(outcome.ran(), outcome.reason());
        assertEquals("ckpt-dog", outcome.entry().checkpoint());
        List<Row> top = spark().read().parquet(examplesAtlas + "/neuron_examples").where("kind = 'max' AND layer = "
                + ExampleCorpus.LAYER + " AND neuron = " + ExampleCorpus.NEURON).orderBy("rank").collectAsList();
        assertEquals(4, top.size(), "top 4");
        assertEquals(" dog", top.get(0).getAs("token"), "the planted neuron's strongest example is on dog");
        assertFalse(NeuronAtlas.examples(spark(), options).ran(), "the same corpus and options are up to date");
    }

    @Test
    void validateRanksThePlantedNeuronFirst() throws Exception {
        ValidateJob.Options options = ValidateJob.Options.builder().modelDir(fixture.model()).atlas(atlas.toString())
                .token(" dog").prompts(Validations.PROMPTS).candidates(4).values("-100:100:5")
                .device(DeviceMode.CPU).build();
        assertEquals("tiny-dog", options.checkpoint(), "named after its folder, as map names it");
        ValidateJob.Outcome outcome = NeuronAtlas.validate(spark(), options);
        assertEquals("new checkpoint", outcome.reason());
        List<Row> ranked = sql("SELECT layer, neuron FROM neuron_validation WHERE checkpoint = 'tiny-dog' "
                + "ORDER BY causal_rank");
        assertEquals(outcome.candidates(), ranked.size());
        assertEquals(List.of(2, 40), List.of(ranked.get(0).<Integer>getAs("layer"),
                ranked.get(0).<Integer>getAs("neuron")));
    }

    @Test
    void clampReturnsTheCurveAndPublishesItInClampSweeps() throws Exception {
        ClampOptions options = ClampOptions.builder().modelDir(fixture.model()).prompt(PROMPT).neuron("L2.40")
                .target(" dog").values("-100:100:5").device(DeviceMode.CPU).atlas(atlas.toString()).build();
        assertEquals(DecoderOptions.DEFAULT_SCOPE, options.scope());
        ClampOutcome outcome = NeuronAtlas.clamp(spark(), options);
        ClampSweep sweep = outcome.sweep();
        assertEquals(5, sweep.points().size());
        assertEquals(" dog", outcome.top1Tokens().get(4), "clamped high, the planted neuron writes dog");
        ForwardWrite.Published published = outcome.published().orElseThrow();
        assertTrue(published.ran(), "first clamp of this neuron and target");
        List<Row> written = sql("SELECT value, target_prob FROM clamp_sweeps WHERE subject = '"
                + ClampJob.subject(sweep) + "' ORDER BY value");
        assertEquals(5, written.size());
        for (int i = 0; i < 5; i++) {
            assertEquals(sweep.points().get(i).value(), written.get(i).<Double>getAs("value"));
            assertEquals(sweep.points().get(i).stats().targetProb(), written.get(i).<Double>getAs("target_prob"),
                    1e-9);
        }
        assertFalse(NeuronAtlas.clamp(spark(), options).published().orElseThrow().ran(), "up to date");
        assertTrue(NeuronAtlas.clamp(spark(), ClampOptions.builder().modelDir(fixture.model()).prompt(PROMPT)
                .neuron("L2.40").target(" dog").values("-1:1:3").device(DeviceMode.CPU).build()).published()
                .isEmpty(), "without an atlas nothing is published");
    }

    @Test
    void generateSteersTowardsTheTargetAndPublishesBothModelsSamples() throws Exception {
        GenerateOptions options = GenerateOptions.builder().modelDir(fixture.model()).prompt(PROMPT)
                .clamp("L2.40=100").samples(2).maxTokens(3).temperature(0).device(DeviceMode.CPU)
                .atlas(atlas.toString()).build();
        GenerateOutcome outcome = NeuronAtlas.generate(spark(), options);
        assertEquals(2, outcome.baseline().size());
        assertEquals(2, outcome.steered().size());
        assertEquals(fixture.written().id(" dog"), outcome.steered().get(0).generation().tokens()[0],
                "steered at 100, the first new token is the planted target");
        assertTrue(outcome.published().orElseThrow().ran());
        List<Row> written = sql("SELECT clamps, sample, text FROM generations ORDER BY clamps, sample");
        assertEquals(4, written.size(), written.toString());
        for (int i = 0; i < 2; i++) {
            assertEquals("none", written.get(2 + i).getAs("clamps"));
            assertEquals(outcome.baseline().get(i).text(), written.get(2 + i).getAs("text"));
            assertEquals(outcome.steered().get(i).text(), written.get(i).getAs("text"));
        }
    }
}
