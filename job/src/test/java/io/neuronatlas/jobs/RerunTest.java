package io.neuronatlas.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.atlas.RunRecord;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.PlantedNeuron;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.testing.AtlasReference;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reruns: an unchanged checkpoint is a no-op; changed weights, changed parameters and --force remap it. */
class RerunTest {
    @TempDir
    Path dir;

    private static SyntheticCheckpoint shape() {
        return new SyntheticCheckpoint().layers(2).dModel(32).dMlp(48).vocab(300).seed(11);
    }

    /** Counts the Spark jobs and tasks the test session starts while it is registered. */
    private static final class SparkActivity extends SparkListener {
        final AtomicInteger jobs = new AtomicInteger();
        final AtomicInteger tasks = new AtomicInteger();

        SparkActivity() {
            TestSpark.session().sparkContext().addSparkListener(this);
        }

        @Override
        public void onJobStart(SparkListenerJobStart jobStart) {
            jobs.incrementAndGet();
        }

        @Override
        public void onTaskStart(SparkListenerTaskStart taskStart) {
            tasks.incrementAndGet();
        }

        /** Stops counting; events are delivered asynchronously, so the bus is drained first. */
        void stop() {
            try {
                TestSpark.session().sparkContext().listenerBus().waitUntilEmpty(30_000);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("Spark's listener bus did not drain", e);
            }
            TestSpark.session().sparkContext().removeSparkListener(this);
        }
    }

    /** Every file under the atlas with its size and modification time. */
    private static Map<String, String> files(Path atlas) throws IOException {
        try (Stream<Path> all = Files.walk(atlas)) {
            return all.filter(Files::isRegularFile).collect(java.util.stream.Collectors.toMap(
                    p -> atlas.relativize(p).toString(), p -> {
                        try {
                            return Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }, (a, b) -> a, java.util.TreeMap::new));
        }
    }

    @Test
    void rerunningAnUnchangedCheckpointRunsNoSparkJobAndChangesNoFile() throws IOException {
        Path model = shape().plantDogAndCalifornia().write(dir.resolve("m")).dir();
        Path atlas = dir.resolve("atlas");
        RunRecord first = Maps.of(model, atlas).shardSize(16).run();
        Map<String, String> before = files(atlas);

        ByteArrayOutputStream console = new ByteArrayOutputStream();
        SparkActivity activity = new SparkActivity();
        MapOutcome again;
        try {
            again = new MapJob(TestSpark.session(), new PrintStream(console, true, StandardCharsets.UTF_8))
                    .map(Maps.of(model, atlas).shardSize(16).options());
        } finally {
            activity.stop();
        }
        assertEquals(0, activity.jobs.get(), "Spark jobs run by an up-to-date rerun");
        assertEquals(0, activity.tasks.get(), "Spark tasks run by an up-to-date rerun");
        assertEquals(MapOutcome.Status.UP_TO_DATE, again.status());
        assertNull(again.record());
        assertEquals(first.runId(), again.entry().run());
        assertEquals(before, files(atlas), "an up-to-date rerun wrote, moved or deleted files");

        Atlas.open(TestSpark.session(), atlas.toString());
        Row entry = TestSpark.session().sql("SELECT checkpoint, run, fingerprint, model_type, shapes.layers, "
                + "shapes.d_model, shapes.d_mlp, shapes.vocab, dtype, mapped_at, parameters.matrices, "
                + "parameters.top_k, parameters.fold_norm, parameters.lm_head_tensor, parameters.watch "
                + "FROM checkpoints").first();
        assertEquals(List.of("m", first.runId(), first.fingerprint(), "llama", 2L, 32L, 48L, 300L, "BF16",
                        first.finishedAt(), List.of("gate", "up", "down"), 20L, false, "lm_head.weight", List.of()),
                List.of(entry.get(0), entry.get(1), entry.get(2), entry.get(3), entry.get(4), entry.get(5),
                        entry.get(6), entry.get(7), entry.get(8), entry.get(9), entry.getList(10), entry.get(11),
                        entry.get(12), entry.get(13), entry.getList(14)), "the checkpoints table's row");
        assertEquals(first.fingerprint(), TestSpark.session().sql("SELECT fingerprint FROM runs").first()
                .getString(0), "the run record carries the fingerprint");
        String printed = console.toString(StandardCharsets.UTF_8);
        Matcher wall = Pattern.compile("up to date \\(fingerprint xxh64:[0-9a-f]{16}, same parameters; run "
                + Pattern.quote(first.runId()) + " .*nothing recomputed, ([0-9.]+) s").matcher(printed);
        assertTrue(wall.find(), printed);
        System.out.println("up-to-date rerun: " + printed.strip());
        // Shard size and batch size change how rows are computed, not what they are: still up to date.
        assertEquals(MapOutcome.Status.UP_TO_DATE,
                Maps.of(model, atlas).shardSize(5).batchSize(3).outcome().status());
    }

    @Test
    void changedWeightsUnderTheSameNameSizeAndModificationTimeAreRemapped() throws IOException {
        Path model = shape().write(dir.resolve("m")).dir();
        // Same shapes and seed, one up_proj neuron planted: the safetensors file has the same size and header.
        Path other = shape().plant(PlantedNeuron.dog(1, 7)).write(dir.resolve("other")).dir();
        Path atlas = dir.resolve("atlas");
        RunRecord first = Maps.of(model, atlas).matrices(MlpMatrix.UP).topK(5).run();

        Path weights = model.resolve("model.safetensors");
        FileTime mtime = Files.getLastModifiedTime(weights);
        long size = Files.size(weights);
        Files.copy(other.resolve("model.safetensors"), weights, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(weights, mtime);
        assertEquals(size, Files.size(weights));
        assertEquals(mtime, Files.getLastModifiedTime(weights));

        MapOutcome remap = Maps.of(model, atlas).matrices(MlpMatrix.UP).topK(5).outcome();
        assertEquals(MapOutcome.Status.MAPPED, remap.status());
        assertTrue(remap.reason().startsWith("weights changed (fingerprint " + first.fingerprint() + " -> "),
                remap.reason());
        assertNotEquals(first.fingerprint(), remap.entry().fingerprint());
        // The new rows are the new weights' (the executor did not reuse its cached checkpoint or head).
        try (AtlasReference reference = new AtlasReference(model, "lm_head.weight", null)) {
            assertEquals(48, reference.check(atlas.toString(), "m", MlpMatrix.UP, 1, 5));
        }
        String top = TestSpark.session().sql("SELECT top_token FROM parquet.`" + atlas + "/neurons` WHERE "
                + "layer = 1 AND neuron = 7").first().getString(0);
        assertEquals(" dog", top);
        assertEquals(MapOutcome.Status.UP_TO_DATE, Maps.of(model, atlas).matrices(MlpMatrix.UP).topK(5).outcome()
                .status());
    }

    @Test
    void eachOutputParameterDecidesWhetherTheMapIsUpToDate() throws IOException {
        Path model = shape().write(dir.resolve("m")).dir();
        Path atlas = dir.resolve("atlas");
        Maps.of(model, atlas).matrices(MlpMatrix.UP).layers("0").topK(5).run();
        List<Maps.Builder> changes = List.of(
                Maps.of(model, atlas).matrices(MlpMatrix.UP).layers("0").topK(6),
                Maps.of(model, atlas).matrices(MlpMatrix.UP, MlpMatrix.GATE).layers("0").topK(6),
                Maps.of(model, atlas).matrices(MlpMatrix.GATE, MlpMatrix.UP).layers("0-1").topK(6),
                Maps.of(model, atlas).matrices(MlpMatrix.GATE, MlpMatrix.UP).layers("0-1").topK(6).foldNorm(true));
        List<String> expected = List.of("top_k 5 -> 6", "matrices [up] -> [gate, up]", "layers [0] -> [0, 1]",
                "fold_norm false -> true");
        for (int i = 0; i < changes.size(); i++) {
            MapOutcome changed = changes.get(i).outcome();
            assertEquals(MapOutcome.Status.MAPPED, changed.status(), expected.get(i));
            assertEquals("parameters changed (" + expected.get(i) + ")", changed.reason());
            MapOutcome same = changes.get(i).outcome();
            assertEquals(MapOutcome.Status.UP_TO_DATE, same.status(), "rerun after " + expected.get(i));
            assertEquals(changed.entry(), same.entry());
        }
        // The published map is the last one, whole: gate and up, layers 0-1, top-6, folded head.
        float[] norm = AtlasReference.finalNorm(model);
        try (AtlasReference reference = new AtlasReference(model, "lm_head.weight", norm)) {
            for (MlpMatrix m : List.of(MlpMatrix.GATE, MlpMatrix.UP)) {
                for (int layer = 0; layer < 2; layer++) {
                    assertEquals(48, reference.check(atlas.toString(), "m", m, layer, 6));
                }
            }
        }
        assertEquals(0, TestSpark.session().read().parquet(atlas + "/neurons").where("matrix = 'down'").count());

        MapOutcome forced = Maps.of(model, atlas).matrices(MlpMatrix.GATE, MlpMatrix.UP).layers("0-1").topK(6)
                .foldNorm(true).force(true).outcome();
        assertEquals(MapOutcome.Status.MAPPED, forced.status());
        assertEquals("--force", forced.reason());
        try (Stream<Path> runs = Files.list(atlas.resolve("neuron_tokens/checkpoint=m"))) {
            assertEquals(List.of("run=" + forced.entry().run()), runs.map(p -> p.getFileName().toString()).toList(),
                    "superseded runs are deleted once the new one is published");
        }
    }
}
