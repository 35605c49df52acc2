package io.neuronatlas.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import io.neuronatlas.testkit.LoopbackCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The map submitted through submit.sh (Spark's SparkSubmit from the project's jars) to a real standalone cluster
 * on loopback: a Master and two Worker JVMs, each worker advertising one simulated GPU, executors in their own
 * JVMs. One cluster serves the class; every process is stopped by pid, every wait has a deadline.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class LoopbackClusterIT {
    private static final int SHARD_SIZE = 32;
    private static final int BATCH_SIZE = 16;
    private static final int LAYERS = 2;
    private static final int D_MLP = 256;
    private static final int SHARDS = 3 * LAYERS * D_MLP / SHARD_SIZE;
    private static final Duration SUBMIT_TIMEOUT = Duration.ofMinutes(4);
    /** GPU scheduling as a GPU cluster would have it: one GPU per executor, owned by the task that runs. */
    private static final List<String> GPU_CONF = List.of(
            "--conf", "spark.executor.resource.gpu.amount=1", "--conf", "spark.task.resource.gpu.amount=1",
            "--conf", "spark.executor.cores=1", "--conf", "spark.cores.max=2",
            // Both executors are up before the first task, so each of them gets work.
            "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
            "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=120s");
    private static final List<String> SIMULATED = List.of("--conf", DeviceRule.SIMULATE_GPU_AS_CPU + "=true");

    @TempDir
    static Path dir;
    static LoopbackCluster cluster;
    static SyntheticCheckpoint.Written model;
    static List<Row> localTokens;
    static List<Row> localNeurons;

    @BeforeAll
    static void startClusterAndMapLocally() throws IOException {
        Path target = Path.of(System.getProperty("neuronatlas.target"));
        cluster = LoopbackCluster.start(new LoopbackCluster.Settings(dir.resolve("cluster"), 2, 1, "2g", true,
                LoopbackCluster.installationClasspath(target), Duration.ofSeconds(90), false));
        model = new SyntheticCheckpoint().layers(LAYERS).dModel(64).dMlp(D_MLP).vocab(1000).seed(11)
                .plantDogAndCalifornia().write(dir.resolve("tiny-llama"));
        Path local = dir.resolve("atlas-local");
        Maps.of(model.dir(), local).shardSize(SHARD_SIZE).batchSize(BATCH_SIZE).run();
        localTokens = rows(local, "neuron_tokens");
        localNeurons = rows(local, "neurons");
        assertEquals(3L * LAYERS * D_MLP * 2 * 20, localTokens.size());
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
            assertTrue(cluster.workers().stream().noneMatch(ProcessHandle::isAlive), "workers still running");
        }
    }

    @Test
    void clusterRowsEqualLocalRowsAndEveryTaskSawItsGpu() throws Exception {
        Path atlas = dir.resolve("atlas-cluster");
        Submitted run = Submitted.start(atlas, "plain", concat(GPU_CONF, SIMULATED));
        run.awaitExit();
        assertEquals(0, run.exitCode(), run.output());

        assertEquals(localTokens, rows(atlas, "neuron_tokens"), "neuron_tokens differ from local mode");
        assertEquals(localNeurons, rows(atlas, "neurons"), "neurons differ from local mode");

        JsonNode record = runRecord(atlas);
        assertTrue(record.get("sparkMaster").asText().startsWith("spark://127.0.0.1:"), record.toString());
        JsonNode executors = record.get("executors");
        assertEquals(2, executors.size(), "both executors did work: " + executors);
        Set<String> addresses = new TreeSet<>();
        Set<Integer> shardsSeen = new HashSet<>();
        for (JsonNode e : executors) {
            String address = e.get("gpuAddress").asText();
            addresses.add(address);
            assertEquals("cpu (simulated gpu:" + address + ")", e.get("device").asText());
            assertTrue(e.get("shardIds").size() > 0, e.toString());
            assertEquals(e.get("shards").asInt(), e.get("shardIds").size());
            for (JsonNode s : e.get("shardIds")) {
                assertTrue(shardsSeen.add(s.asInt()), "shard " + s + " listed twice");
            }
            assertTrue(e.get("peakRssBytes").asLong() > 64L << 20, "executor peak RSS: " + e);
        }
        assertEquals(Set.of("0", "1"), addresses);
        assertEquals(SHARDS, shardsSeen.size());
        assertEquals(SHARDS, record.get("shards").size());
        for (JsonNode s : record.get("shards")) {
            assertTrue(s.hasNonNull("gpuAddress"), "task without a GPU address: " + s);
            assertEquals("cpu (simulated gpu:" + s.get("gpuAddress").asText() + ")", s.get("device").asText());
        }
    }

    @Test
    void anExecutorKilledMidMapIsSurvivedWithEveryRowExactlyOnce() throws Exception {
        Path atlas = dir.resolve("atlas-kill");
        Submitted run = Submitted.start(atlas, "kill", concat(GPU_CONF, SIMULATED));
        try {
            // Mid-map: some shards committed their files, the job still running.
            long deadline = System.nanoTime() + SUBMIT_TIMEOUT.toNanos();
            while (partFiles(atlas) < 2) {
                assertTrue(run.process().isAlive(), "the map ended before an executor could be killed:\n"
                        + run.output());
                assertTrue(System.nanoTime() < deadline, "no shard committed in time:\n" + run.output());
                Thread.sleep(20);
            }
            List<ProcessHandle> executors = cluster.executors();
            assertFalse(executors.isEmpty(), "no executor JVM found under the workers");
            ProcessHandle victim = executors.get(0);
            String victimId = executorId(victim);
            assertTrue(victim.destroyForcibly(), "kill -9 of executor " + victimId);
            long committedAtKill = partFiles(atlas);
            assertTrue(run.process().isAlive(), "the driver finished before the kill landed");
            assertTrue(committedAtKill < 2L * SHARDS, "all shards were done before the kill");

            run.awaitExit();
            assertEquals(0, run.exitCode(), run.output());
            assertTrue(run.output().contains("Lost executor " + victimId + " "),
                    "the driver saw executor " + victimId + " lost:\n" + run.output());
        } finally {
            run.stop();
        }

        List<Row> tokens = rows(atlas, "neuron_tokens");
        assertEquals(localTokens, tokens, "rows after the lost executor differ from local mode");
        assertEquals(localNeurons, rows(atlas, "neurons"));
        try (Stream<Path> files = Files.walk(atlas)) {
            List<Path> leftovers = files.filter(p -> {
                String name = p.getFileName().toString();
                return name.startsWith("_staging") || name.startsWith("_temporary") || name.contains("attempt")
                        || name.endsWith(".tmp");
            }).toList();
            assertEquals(List.of(), leftovers, "leftovers of the failed attempt");
        }
        JsonNode record = runRecord(atlas);
        List<Integer> shards = new ArrayList<>();
        record.get("shards").forEach(s -> shards.add(s.get("shard").asInt()));
        shards.sort(Comparator.naturalOrder());
        assertEquals(java.util.stream.IntStream.range(0, SHARDS).boxed().toList(), shards);
    }

    @Test
    void anAssignedGpuTheEngineCannotUseFailsTheMapWithAClearMessage() throws Exception {
        Path atlas = dir.resolve("atlas-no-cuda");
        // The engine's real answer on this machine: a CPU-only libtorch, no CUDA; no simulation asked for.
        Submitted run = Submitted.start(atlas, "no-cuda", GPU_CONF);
        run.awaitExit();
        assertEquals(1, run.exitCode(), run.output());
        String last = run.output().lines().filter(l -> l.startsWith("neuron-atlas map: ")).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no error line:\n" + run.output()));
        assertTrue(last.contains("Spark assigned this task GPU "), last);
        assertTrue(last.contains("the engine cannot use CUDA"), last);
        assertTrue(last.contains("would silently compute on the CPU"), last);
        assertFalse(run.output().contains("[map] tiny-llama: 1,536 neurons in"), "the map claims success");
        assertThrows(IOException.class, () -> Atlas.open(TestSpark.session(), atlas.toString()),
                "a failed map published an atlas");
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /**
     * A table's rows through the published views, sorted, so two maps compare row for row; without the run id,
     * which names the run that wrote them and so differs between two maps of the same checkpoint.
     */
    private static List<Row> rows(Path atlas, String table) throws IOException {
        SparkSession spark = TestSpark.session();
        Atlas.open(spark, atlas.toString());
        List<Row> rows = new ArrayList<>(spark.table(table).drop("run").collectAsList());
        rows.sort(Comparator.comparing(Row::toString));
        return rows;
    }

    private static JsonNode runRecord(Path atlas) throws IOException {
        SparkSession spark = TestSpark.session();
        Atlas.open(spark, atlas.toString());
        List<String> json = spark.table("runs").where("checkpoint = 'tiny-llama'").toJSON().collectAsList();
        assertEquals(1, json.size(), "one run record");
        return new ObjectMapper().readTree(json.get(0));
    }

    private static long partFiles(Path atlas) throws IOException {
        if (!Files.exists(atlas)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(atlas)) {
            return files.filter(p -> p.getFileName().toString().startsWith("part-")).count();
        } catch (java.io.UncheckedIOException e) {
            return 0; // a folder renamed while walking: look again
        }
    }

    private static String executorId(ProcessHandle executor) {
        String line = executor.info().commandLine().orElse("");
        Matcher m = Pattern.compile("--executor-id (\\S+)").matcher(line);
        assertTrue(m.find(), "executor command line: " + line);
        return m.group(1);
    }

    /** A driver started through submit.sh, its output in a file; stopped by pid with its children. */
    private record Submitted(Process process, Path log) {
        static Submitted start(Path atlas, String name, List<String> sparkOptions) throws IOException {
            Path root = Path.of(System.getProperty("neuronatlas.root"));
            List<String> command = new ArrayList<>(List.of("bash", root.resolve("submit.sh").toString(),
                    "--master", cluster.masterUrl()));
            command.addAll(sparkOptions);
            command.addAll(List.of("map", "--model", model.dir().toString(), "--out", atlas.toString(),
                    "--shard-size", Integer.toString(SHARD_SIZE), "--batch-size", Integer.toString(BATCH_SIZE)));
            Path log = dir.resolve("driver-" + name + ".log");
            Process p = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            return new Submitted(p, log);
        }

        void awaitExit() throws InterruptedException, IOException {
            if (!process.waitFor(SUBMIT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                stop();
                throw new AssertionError("the driver ran past " + SUBMIT_TIMEOUT + ":\n" + output());
            }
            // The workers stop this application's executors after the driver leaves; the next test must not
            // mistake one of them for its own.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!cluster.executors().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
        }

        int exitCode() {
            return process.exitValue();
        }

        String output() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return "(no output: " + e + ")";
            }
        }

        void stop() {
            process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
