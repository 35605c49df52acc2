package io.neuronatlas.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.neuronatlas.atlas.Catalog;
import io.neuronatlas.atlas.OutputKind;
import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.jobs.MapOutcome.Status;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.testing.AtlasFiles;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The atlas write path's guarantees for a second kind of output (the test-only probe job): each kind is published
 * and rerun on its own, Atlas.open registers every table with a published run, a failure or a kill leaves the
 * previous output whole, runs of different checkpoints (or kinds) go on at once.
 */
class AtlasWriteTest {
    static final List<OutputKind> KINDS = List.of(OutputKind.MAP, ProbeJob.PROBE);

    @TempDir
    static Path shared;
    static Path model;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeCheckpoint() throws IOException {
        model = new SyntheticCheckpoint().layers(1).dModel(32).dMlp(16).vocab(300).seed(4).plantDogAndCalifornia()
                .write(shared.resolve("ckpt")).dir();
    }

    private static ProbeJob probe() {
        return new ProbeJob(TestSpark.session(), PublishListener.NONE);
    }

    private static ProbeJob.Parameters rows(int rows, int seed) {
        return new ProbeJob.Parameters(rows, seed, 0, -1);
    }

    /** The probe rows Atlas.open shows for a checkpoint, ordered, as (subject-less) values. */
    private static List<Long> probeValues(Path atlas, String checkpoint) throws IOException {
        SparkSession spark = TestSpark.session();
        Atlas.open(spark, atlas.toString(), KINDS);
        return spark.sql("SELECT value FROM probe_rows WHERE checkpoint = '" + checkpoint + "' ORDER BY value")
                .collectAsList().stream().map(r -> r.getLong(0)).toList();
    }

    private static List<Long> expected(int rows, int seed) {
        List<Long> values = new ArrayList<>();
        for (int task = 0; task < ProbeJob.TASKS; task++) {
            for (int row = 0; row < rows; row++) {
                values.add(seed * 1000L + (long) task * rows + row);
            }
        }
        values.sort(null);
        return values;
    }

    private static List<Row> mapRows(Path atlas) throws IOException {
        SparkSession spark = TestSpark.session();
        Atlas.open(spark, atlas.toString(), KINDS);
        return spark.sql("SELECT * FROM neuron_tokens ORDER BY matrix, layer, neuron, polarity, rank")
                .collectAsList();
    }

    @Test
    void eachKindIsPublishedAndRerunOnItsOwn() throws IOException {
        Path atlas = dir.resolve("atlas");
        String mapRun = Maps.of(model, atlas).checkpoint("ckpt").run().runId();
        List<Row> map = mapRows(atlas);

        ProbeJob.Result first = probe().run(atlas.toString(), "ckpt", "", "xxh64:a", rows(5, 1));
        assertTrue(first.ran());
        assertEquals("new checkpoint", first.reason());
        assertEquals(expected(5, 1), probeValues(atlas, "ckpt"));
        assertEquals(map, mapRows(atlas), "publishing a probe run left the map as it was");

        // Unchanged: up to date, nothing runs. Changed parameters: rerun, with the difference named.
        ProbeJob.Result same = probe().run(atlas.toString(), "ckpt", "", "xxh64:a", rows(5, 1));
        assertNull(same.reason());
        assertEquals(first.run(), same.run());
        ProbeJob.Result changed = probe().run(atlas.toString(), "ckpt", "", "xxh64:a", rows(6, 1));
        assertEquals("parameters changed (rows 5 -> 6)", changed.reason());
        ProbeJob.Result weights = probe().run(atlas.toString(), "ckpt", "", "xxh64:b", rows(6, 1));
        assertEquals("weights changed (fingerprint xxh64:a -> xxh64:b)", weights.reason());
        assertEquals(expected(6, 1), probeValues(atlas, "ckpt"));
        assertEquals(map, mapRows(atlas), "rerunning the probe left the map as it was");
        assertEquals(List.of("run=" + mapRun), AtlasFiles.runFolders(atlas, "neuron_tokens", "ckpt"));
        assertEquals(List.of("run=" + weights.run()), AtlasFiles.runFolders(atlas, "probe_rows", "ckpt"));
        assertEquals(List.of("run=" + weights.run()), AtlasFiles.runFolders(atlas, "probe_runs", "ckpt"));

        // Remapping the checkpoint leaves the probe's published run alone.
        MapOutcome remap = Maps.of(model, atlas).checkpoint("ckpt").topK(7).outcome();
        assertEquals(Status.MAPPED, remap.status());
        assertEquals(expected(6, 1), probeValues(atlas, "ckpt"));
        assertEquals(List.of("run=" + weights.run()), AtlasFiles.runFolders(atlas, "probe_rows", "ckpt"));
        assertEquals(List.of("run=" + remap.entry().run()), AtlasFiles.runFolders(atlas, "neuron_tokens", "ckpt"));

        Atlas opened = Atlas.open(TestSpark.session(), atlas.toString(), KINDS);
        assertTrue(opened.views().containsAll(List.of("neuron_tokens", "neurons", "tokens", "runs", "probe_rows",
                "probe_runs")), opened.views().toString());
        assertEquals(weights.run(), TestSpark.session().sql("SELECT runId FROM probe_runs").first().getString(0));
        assertFalse(Atlas.open(TestSpark.session(), atlas.toString()).views().contains("probe_rows"),
                "an atlas opened for this version's kinds shows no probe table");
    }

    @Test
    void subjectsOfOneCheckpointArePublishedSideBySide() throws IOException {
        Path atlas = dir.resolve("atlas");
        ProbeJob.Result dog = probe().run(atlas.toString(), "ckpt", "dog", "xxh64:a", rows(2, 1));
        ProbeJob.Result cat = probe().run(atlas.toString(), "ckpt", "cat", "xxh64:a", rows(3, 2));
        List<Long> both = new ArrayList<>(expected(2, 1));
        both.addAll(expected(3, 2));
        both.sort(null);
        assertEquals(both, probeValues(atlas, "ckpt"));
        // Republishing one subject leaves the other's run in place.
        ProbeJob.Result dogAgain = probe().run(atlas.toString(), "ckpt", "dog", "xxh64:a", rows(4, 1));
        assertTrue(dogAgain.ran());
        assertEquals(List.of("run=" + cat.run(), "run=" + dogAgain.run()).stream().sorted().toList(),
                AtlasFiles.runFolders(atlas, "probe_rows", "ckpt"));
        assertFalse(AtlasFiles.runFolders(atlas, "probe_rows", "ckpt").contains("run=" + dog.run()));
    }

    @Test
    void aFailingTaskPublishesNothingAndDeletesItsRunFolders() throws IOException {
        Path atlas = dir.resolve("atlas");
        ProbeJob.Result before = probe().run(atlas.toString(), "ckpt", "", "xxh64:a", rows(4, 1));
        // Spark reports the task's failure as a checked SparkException: the run must clean up all the same.
        IOException e = assertThrows(IOException.class, () -> probe().run(atlas.toString(), "ckpt", "", "xxh64:a",
                new ProbeJob.Parameters(4, 9, 0, 2)));
        assertTrue(e.getMessage().contains("probe task 2 failed on purpose"), e.getMessage());
        assertEquals(expected(4, 1), probeValues(atlas, "ckpt"));
        assertEquals(List.of("run=" + before.run()), AtlasFiles.runFolders(atlas, "probe_rows", "ckpt"));
        assertEquals(List.of("run=" + before.run()), AtlasFiles.runFolders(atlas, "probe_runs", "ckpt"));
    }

    @Test
    void runsOfDifferentCheckpointsAndOfDifferentKindsGoOnAtOnce() throws Exception {
        Path atlas = dir.resolve("atlas");
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try {
            ProbeJob.Parameters slow = new ProbeJob.Parameters(20, 3, 20, -1);
            Future<ProbeJob.Result> a = threads.submit(() -> probe().run(atlas.toString(), "ckpt", "", "xxh64:a",
                    slow));
            Future<ProbeJob.Result> b = threads.submit(() -> probe().run(atlas.toString(), "other", "", "xxh64:o",
                    slow));
            // The map of the same checkpoint as probe a, under its own kind's lock.
            Future<MapOutcome> c = threads.submit(() -> Maps.of(model, atlas).checkpoint("ckpt").outcome());
            assertTrue(a.get(5, TimeUnit.MINUTES).ran());
            assertTrue(b.get(5, TimeUnit.MINUTES).ran());
            assertEquals(Status.MAPPED, c.get(5, TimeUnit.MINUTES).status());
        } finally {
            threads.shutdownNow();
        }
        assertEquals(expected(20, 3), probeValues(atlas, "ckpt"));
        assertEquals(expected(20, 3), probeValues(atlas, "other"));
        assertEquals(3 * 16 * 2 * 20, mapRows(atlas).size());
    }

    @Test
    void aSecondRunOfTheSameKindAndCheckpointIsRefused() throws IOException {
        Path atlas = dir.resolve("atlas");
        Catalog catalog = new Catalog(TestSpark.session().sparkContext().hadoopConfiguration(), atlas.toString(),
                ProbeJob.PROBE);
        try (Catalog.RunLock held = catalog.lock("ckpt")) {
            IOException e = assertThrows(IOException.class,
                    () -> probe().run(atlas.toString(), "ckpt", "", "xxh64:a", rows(2, 1)));
            assertTrue(e.getMessage().contains("'ckpt' is being probed by another run"), e.getMessage());
            // The map's lock of the same checkpoint is another lock.
            assertEquals(Status.MAPPED, Maps.of(model, atlas).checkpoint("ckpt").outcome().status());
        }
        assertEquals(List.of(), AtlasFiles.runFolders(atlas, "probe_rows", "ckpt"));
    }

    /** A probe driver process, killed by the test: mid-write, just before or just after the catalog rename. */
    private Process startProbeDriver(Path atlas, int seed, String pauseAt, Path signal, Path log)
            throws IOException {
        return CrashDrivers.start(CrashDrivers.Probe.class.getName(), List.of(atlas.toString(), "ckpt", "30",
                String.valueOf(seed), "local[2]", pauseAt, signal.toString()), log);
    }

    private static void awaitThenKill(Process driver, Path log, java.util.function.BooleanSupplier condition)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!condition.getAsBoolean()) {
            if (!driver.isAlive()) {
                fail("the driver exited (code " + driver.exitValue() + ") too early:\n" + Files.readString(log));
            }
            if (System.nanoTime() > deadline) {
                driver.destroyForcibly();
                fail("timed out:\n" + Files.readString(log));
            }
            Thread.sleep(5);
        }
        driver.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
        assertTrue(driver.waitFor(60, TimeUnit.SECONDS), "killed driver did not exit");
    }

    private static boolean temporaryFileExists(Path atlas, String publishedRun) {
        Path folder = atlas.resolve("probe_rows/checkpoint=ckpt");
        try (Stream<Path> files = Files.walk(folder)) {
            return files.anyMatch(p -> !p.toString().contains("/run=" + publishedRun + "/")
                    && p.getFileName().toString().endsWith(".tmp"));
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }

    @Test
    void aDriverKilledAtAnyMomentLeavesThePreviousOutputWhole() throws Exception {
        Path atlas = dir.resolve("atlas");
        ProbeJob.Result old = probe().run(atlas.toString(), "ckpt", "", "xxh64:probe", rows(30, 1));

        Process writing = startProbeDriver(atlas, 2, "before-publish", dir.resolve("w"), dir.resolve("w.log"));
        awaitThenKill(writing, dir.resolve("w.log"), () -> temporaryFileExists(atlas, old.run()));
        assertFalse(Files.exists(dir.resolve("w")), "killed while its tasks wrote, before publishing");
        assertEquals(expected(30, 1), probeValues(atlas, "ckpt"));

        Process before = startProbeDriver(atlas, 3, "before-publish", dir.resolve("b"), dir.resolve("b.log"));
        awaitThenKill(before, dir.resolve("b.log"), () -> Files.exists(dir.resolve("b")));
        assertEquals(expected(30, 1), probeValues(atlas, "ckpt"));

        Process after = startProbeDriver(atlas, 4, "after-publish", dir.resolve("a"), dir.resolve("a.log"));
        awaitThenKill(after, dir.resolve("a.log"), () -> Files.exists(dir.resolve("a")));
        assertEquals(expected(30, 4), probeValues(atlas, "ckpt"), "the new run was published, whole");
        assertTrue(AtlasFiles.runFolders(atlas, "probe_rows", "ckpt").size() > 1, "the killed runs' folders are still there");

        // The next run finds the output up to date and tidies what the killed runs left.
        ProbeJob.Result next = probe().run(atlas.toString(), "ckpt", "", "xxh64:probe", rows(30, 4));
        assertNull(next.reason());
        assertEquals(List.of("run=" + next.run()), AtlasFiles.runFolders(atlas, "probe_rows", "ckpt"));
        assertEquals(List.of("run=" + next.run()), AtlasFiles.runFolders(atlas, "probe_runs", "ckpt"));
        assertEquals(expected(30, 4), probeValues(atlas, "ckpt"));
    }
}
