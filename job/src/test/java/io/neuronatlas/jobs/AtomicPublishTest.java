package io.neuronatlas.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.neuronatlas.atlas.Catalog;
import io.neuronatlas.atlas.CheckpointEntry;
import io.neuronatlas.atlas.OutputKind;
import io.neuronatlas.atlas.RunRecord;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.testing.AtlasReference;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
 * The atomic-publish guarantee with real processes: a driver JVM running the map is killed with SIGKILL while its
 * executors write Parquet, or at a publish step, and the atlas still shows the checkpoint's previous map, whole;
 * the next run completes. Also: two runs of different checkpoints at once, and two of the same one.
 */
class AtomicPublishTest {
    static final int LAYERS = 2;
    static final int D_MLP = 64;
    static final int SHARD = 4; // 96 shards for the child, so it is still writing when it is killed

    @TempDir
    static Path shared;
    static Path model;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeCheckpoint() throws IOException {
        model = new SyntheticCheckpoint().layers(LAYERS).dModel(32).dMlp(D_MLP).vocab(300).seed(5)
                .plantDogAndCalifornia().write(shared.resolve("ckpt")).dir();
    }

    /** A separate driver JVM running {@code neuron-atlas map}, started from the test class path. */
    private Process startDriver(Path atlas, int topK, String pauseAt, Path signal, Path log) throws IOException {
        return startDriver(model, "ckpt", atlas, topK, SHARD, pauseAt, signal, log);
    }

    private Process startDriver(Path modelDir, String checkpoint, Path atlas, int topK, int shardSize,
                                String pauseAt, Path signal, Path log) throws IOException {
        if (pauseAt.equals("none")) {
            // The command line users run.
            return CrashDrivers.start("io.neuronatlas.cli.Main", List.of("map", "--model", modelDir.toString(),
                    "--out", atlas.toString(), "--checkpoint", checkpoint, "--top-k", String.valueOf(topK),
                    "--shard-size", String.valueOf(shardSize), "--batch-size", "4", "--master", "local[1]"), log);
        }
        return CrashDrivers.start(CrashDrivers.Map.class.getName(), List.of(modelDir.toString(), atlas.toString(),
                checkpoint, String.valueOf(topK), String.valueOf(shardSize), "4", "local[1]", pauseAt,
                signal.toString()), log);
    }

    private static void kill(Process driver) throws InterruptedException {
        driver.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
        assertTrue(driver.waitFor(60, TimeUnit.SECONDS), "killed driver did not exit");
    }

    /** Waits until the condition holds, failing if the driver exits first or time runs out. */
    private static void await(Process driver, Path log, String what, java.util.function.BooleanSupplier condition)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!condition.getAsBoolean()) {
            if (!driver.isAlive()) {
                fail("the driver exited (code " + driver.exitValue() + ") before " + what + ":\n"
                        + Files.readString(log));
            }
            if (System.nanoTime() > deadline) {
                driver.destroyForcibly();
                fail("timed out waiting for " + what + ":\n" + Files.readString(log));
            }
            Thread.sleep(5);
        }
    }

    /** Committed Parquet files of the checkpoint's runs other than the one given. */
    private static long partFilesOutside(Path atlas, String publishedRun) {
        Path checkpoint = atlas.resolve("neuron_tokens/checkpoint=ckpt");
        if (!Files.isDirectory(checkpoint)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(checkpoint)) {
            return files.filter(p -> p.getFileName().toString().startsWith("part-"))
                    .filter(p -> !p.toString().contains("/run=" + publishedRun + "/")).count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0; // a folder vanished while walked: look again
        }
    }

    /** The checkpoint's rows as a fresh Atlas.open shows them, ordered. */
    private static List<Row> published(Path atlas, String table) throws IOException {
        SparkSession spark = TestSpark.session();
        Atlas.open(spark, atlas.toString());
        return spark.sql("SELECT * FROM " + table + " WHERE checkpoint = 'ckpt' ORDER BY matrix, layer, neuron"
                + (table.equals("neuron_tokens") ? ", polarity, rank" : "")).collectAsList();
    }

    private static List<String> runFolders(Path atlas, String table) throws IOException {
        try (Stream<Path> runs = Files.list(atlas.resolve(table).resolve("checkpoint=ckpt"))) {
            return runs.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void checkAgainstReference(Path atlas, int k) throws IOException {
        try (AtlasReference reference = new AtlasReference(model, "lm_head.weight", null)) {
            for (MlpMatrix m : MlpMatrix.values()) {
                for (int layer = 0; layer < LAYERS; layer++) {
                    assertEquals(D_MLP, reference.check(atlas.toString(), "ckpt", m, layer, k));
                }
            }
        }
    }

    @Test
    void driverKilledWhileItsExecutorsWriteLeavesThePreviousMapWholeAndTheNextRunCompletes() throws Exception {
        Path atlas = dir.resolve("atlas");
        RunRecord old = Maps.of(model, atlas).checkpoint("ckpt").topK(5).shardSize(32).run();
        List<Row> tokensBefore = published(atlas, "neuron_tokens");
        List<Row> neuronsBefore = published(atlas, "neurons");
        assertEquals(3 * LAYERS * D_MLP * 2 * 5, tokensBefore.size());

        Path signal = dir.resolve("paused");
        Path log = dir.resolve("driver.log");
        // The pause before publishing is only a backstop: the driver is killed well before it gets there.
        Process driver = startDriver(atlas, 7, "before-publish", signal, log);
        await(driver, log, "the new run's first Parquet file", () -> partFilesOutside(atlas, old.runId()) > 0);
        kill(driver);
        long written = partFilesOutside(atlas, old.runId());
        assertFalse(Files.exists(signal), "the driver had finished writing; it was to be killed mid-write");
        assertTrue(written > 0 && written < 3 * LAYERS * D_MLP / SHARD,
                "killed with " + written + " of " + 3 * LAYERS * D_MLP / SHARD + " shards written");
        System.out.println("driver killed with " + written + " of " + 3 * LAYERS * D_MLP / SHARD
                + " shards' neuron_tokens files written");

        assertEquals(tokensBefore, published(atlas, "neuron_tokens"), "neuron_tokens after the kill");
        assertEquals(neuronsBefore, published(atlas, "neurons"), "neurons after the kill");
        assertEquals(List.of(old.runId()), TestSpark.session().sql("SELECT DISTINCT run FROM neuron_tokens")
                .collectAsList().stream().map(r -> r.getString(0)).toList());
        assertEquals(old.runId(), TestSpark.session().sql("SELECT runId FROM runs").first().getString(0));
        assertEquals(2, runFolders(atlas, "neuron_tokens").size(), "the killed run's files are on disk, unseen");

        MapOutcome rerun = Maps.of(model, atlas).checkpoint("ckpt").topK(7).outcome();
        assertEquals(MapOutcome.Status.MAPPED, rerun.status());
        for (String table : List.of("neuron_tokens", "neurons", "runs")) {
            assertEquals(List.of("run=" + rerun.entry().run()), runFolders(atlas, table), table);
        }
        checkAgainstReference(atlas, 7);
    }

    @Test
    void driverKilledJustBeforeOrJustAfterTheCheckpointsEntryIsReplaced() throws Exception {
        Path atlas = dir.resolve("atlas");
        RunRecord old = Maps.of(model, atlas).checkpoint("ckpt").topK(5).shardSize(32).run();
        List<Row> tokensBefore = published(atlas, "neuron_tokens");

        // Killed with every file of the new run written, the run record too, before the entry is replaced.
        Path signal = dir.resolve("paused-before");
        Process driver = startDriver(atlas, 6, "before-publish", signal, dir.resolve("before.log"));
        await(driver, dir.resolve("before.log"), "the pause before publishing", () -> Files.exists(signal));
        kill(driver);
        assertEquals(3 * LAYERS * D_MLP / SHARD, partFilesOutside(atlas, old.runId()));
        assertEquals(tokensBefore, published(atlas, "neuron_tokens"));
        assertEquals(old.runId(), TestSpark.session().sql("SELECT runId FROM runs").first().getString(0));

        // Killed right after: the new map is the published one, whole, though the old run's files are still there.
        Path after = dir.resolve("paused-after");
        driver = startDriver(atlas, 6, "after-publish", after, dir.resolve("after.log"));
        await(driver, dir.resolve("after.log"), "the pause after publishing", () -> Files.exists(after));
        kill(driver);
        List<Row> tokensAfter = published(atlas, "neuron_tokens");
        assertEquals(3 * LAYERS * D_MLP * 2 * 6, tokensAfter.size());
        String newRun = tokensAfter.get(0).getAs("run");
        assertNotEquals(old.runId(), newRun);
        assertTrue(tokensAfter.stream().allMatch(r -> newRun.equals(r.getAs("run"))));
        assertTrue(runFolders(atlas, "neuron_tokens").contains("run=" + old.runId()), "old run not yet deleted");

        // The next run finds the map up to date and tidies what the killed runs left.
        MapOutcome rerun = Maps.of(model, atlas).checkpoint("ckpt").topK(6).outcome();
        assertEquals(MapOutcome.Status.UP_TO_DATE, rerun.status());
        assertEquals(newRun, rerun.entry().run());
        for (String table : List.of("neuron_tokens", "neurons", "runs")) {
            assertEquals(List.of("run=" + newRun), runFolders(atlas, table), table);
        }
        checkAgainstReference(atlas, 6);
    }

    @Test
    void twoRunsOfDifferentCheckpointsIntoOneAtlasAtOnceBothPublish() throws Exception {
        Path atlas = dir.resolve("atlas");
        Path other = new SyntheticCheckpoint().layers(LAYERS).dModel(32).dMlp(D_MLP).vocab(300).seed(6)
                .write(dir.resolve("other")).dir();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<MapOutcome> a = threads.submit(() -> Maps.of(model, atlas).checkpoint("ckpt").shardSize(8)
                    .outcome());
            Future<MapOutcome> b = threads.submit(() -> Maps.of(other, atlas).checkpoint("other").shardSize(8)
                    .outcome());
            assertEquals(MapOutcome.Status.MAPPED, a.get(5, TimeUnit.MINUTES).status());
            assertEquals(MapOutcome.Status.MAPPED, b.get(5, TimeUnit.MINUTES).status());
        } finally {
            threads.shutdownNow();
        }
        Atlas opened = Atlas.open(TestSpark.session(), atlas.toString());
        assertEquals(List.of("ckpt", "other"), opened.checkpoints().stream().map(CheckpointEntry::checkpoint)
                .toList());
        assertEquals(2 * 3 * LAYERS * D_MLP, TestSpark.session().sql("SELECT * FROM neurons").count());
        checkAgainstReference(atlas, 20);
        try (AtlasReference reference = new AtlasReference(other, "lm_head.weight", null)) {
            assertEquals(D_MLP, reference.check(atlas.toString(), "other", MlpMatrix.DOWN, 1, 20));
        }
    }

    @Test
    void twoDriverProcessesMappingDifferentCheckpointsIntoOneAtlasAtOnceBothPublish() throws Exception {
        Path atlas = dir.resolve("atlas");
        Path other = new SyntheticCheckpoint().layers(LAYERS).dModel(32).dMlp(D_MLP).vocab(300).seed(8)
                .write(dir.resolve("other")).dir();
        Path unused = dir.resolve("never-created");
        Process a = startDriver(model, "ckpt", atlas, 5, 32, "none", unused, dir.resolve("a.log"));
        Process b = startDriver(other, "other", atlas, 5, 32, "none", unused, dir.resolve("b.log"));
        try {
            assertTrue(a.waitFor(5, TimeUnit.MINUTES) && b.waitFor(1, TimeUnit.MINUTES), "drivers did not finish");
        } finally {
            a.destroyForcibly();
            b.destroyForcibly();
        }
        assertEquals(0, a.exitValue(), Files.readString(dir.resolve("a.log")));
        assertEquals(0, b.exitValue(), Files.readString(dir.resolve("b.log")));
        Atlas opened = Atlas.open(TestSpark.session(), atlas.toString());
        assertEquals(List.of("ckpt", "other"), opened.checkpoints().stream().map(CheckpointEntry::checkpoint)
                .toList());
        List<Row> runs = TestSpark.session().sql("SELECT startedAt, finishedAt FROM runs ORDER BY checkpoint")
                .collectAsList();
        java.util.function.BiFunction<Integer, Integer, Instant> at = (r, c) -> Instant.parse(runs.get(r).getString(c));
        assertTrue(at.apply(0, 0).isBefore(at.apply(1, 1)) && at.apply(1, 0).isBefore(at.apply(0, 1)),
                "the two runs did not overlap in time: " + runs);
        checkAgainstReference(atlas, 5);
        try (AtlasReference reference = new AtlasReference(other, "lm_head.weight", null)) {
            for (MlpMatrix m : MlpMatrix.values()) {
                assertEquals(D_MLP, reference.check(atlas.toString(), "other", m, 0, 5));
            }
        }
    }

    @Test
    void aSecondRunOfACheckpointBeingMappedIsRefusedAndTouchesNothing() throws Exception {
        Path atlas = dir.resolve("atlas");
        Maps.of(model, atlas).checkpoint("ckpt").matrices(MlpMatrix.UP).layers("0").run();
        List<Row> before = published(atlas, "neuron_tokens");
        Catalog catalog = new Catalog(TestSpark.session().sparkContext().hadoopConfiguration(), atlas.toString(),
                OutputKind.MAP);
        Catalog.RunLock held = catalog.lock("ckpt"); // as a run of ckpt in another process would
        try {
            IOException e = assertThrows(IOException.class,
                    () -> Maps.of(model, atlas).checkpoint("ckpt").matrices(MlpMatrix.UP).layers("0").topK(3).run());
            assertTrue(e.getMessage().contains("'ckpt' is being mapped by another run"), e.getMessage());
        } finally {
            held.close();
        }
        assertEquals(before, published(atlas, "neuron_tokens"));
        assertEquals(1, runFolders(atlas, "neuron_tokens").size());
    }
}
