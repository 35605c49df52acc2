package io.neuronatlas.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.jobs.ExamplesJob;
import io.neuronatlas.jobs.ExamplesOptions;
import io.neuronatlas.testing.TestSpark;
import io.neuronatlas.testkit.LoopbackCluster;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples job on a real standalone cluster (two executors on loopback) with one executor killed mid-job: the
 * lost partitions are recomputed and the tables equal those of local mode row for row.
 */
class ExamplesClusterIT {
    static final Duration TIMEOUT = Duration.ofMinutes(4);
    @TempDir
    static Path dir;
    static LoopbackCluster cluster;
    static Path model;
    static Path corpus;

    @BeforeAll
    static void start() throws IOException {
        Path target = Path.of(System.getProperty("neuronatlas.target"));
        cluster = LoopbackCluster.start(new LoopbackCluster.Settings(dir.resolve("cluster"), 2, 1, "2g", false,
                LoopbackCluster.installationClasspath(target), Duration.ofSeconds(90), false));
        model = dir.resolve("ckpt-dog");
        ExampleCorpus.model(model);
        Random r = new Random(3);
        List<String> docs = new ArrayList<>();
        for (int d = 0; d < 240; d++) {
            StringBuilder b = new StringBuilder();
            for (int w = 0; w < 10 + r.nextInt(30); w++) {
                b.append(r.nextInt(40) == 0 ? " dog" : ExampleCorpus.WORDS[r.nextInt(ExampleCorpus.WORDS.length)]);
            }
            docs.add(b.toString());
        }
        corpus = ExampleCorpus.writeJsonLines(dir.resolve("corpus/docs.jsonl"), docs);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void anExecutorKilledMidJobLeavesTheTablesOfLocalMode() throws Exception {
        Path local = dir.resolve("atlas-local");
        new ExamplesJob(TestSpark.session(), new PrintStream(OutputStream.nullOutputStream())).examine(
                ExamplesOptions.builder(model, local.toString()).corpus(corpus.toString())
                        .segment(ExampleCorpus.SEGMENT).top(4).sample(8).build());
        Path atlas = dir.resolve("atlas-cluster");
        Path root = Path.of(System.getProperty("neuronatlas.root"));
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("submit.sh").toString(), "--master",
                cluster.masterUrl(), "--conf", "spark.executor.cores=1", "--conf", "spark.cores.max=2",
                "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
                "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=120s",
                "--conf", "spark.hadoop.mapreduce.input.fileinputformat.split.maxsize=1500",
                "examples", "--model", model.toString(), "--corpus", corpus.toString(), "--atlas", atlas.toString(),
                "--segment", Integer.toString(ExampleCorpus.SEGMENT), "--top", "4", "--sample", "8"));
        Path log = dir.resolve("driver.log");
        Process driver = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!Files.readString(log).contains("[examples] ckpt-dog: new checkpoint")
                    || cluster.executors().size() < 2) {
                assertTrue(driver.isAlive(), "the driver ended early:\n" + Files.readString(log));
                assertTrue(System.nanoTime() < deadline, "the job did not start:\n" + Files.readString(log));
                Thread.sleep(50);
            }
            Thread.sleep(2000);
            ProcessHandle victim = cluster.executors().get(0);
            String victimId = executorId(victim);
            assertTrue(driver.isAlive(), "the job finished before the kill:\n" + Files.readString(log));
            assertTrue(victim.destroyForcibly(), "kill -9 of executor " + victimId);
            assertTrue(driver.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "driver timed out");
            String output = Files.readString(log);
            assertEquals(0, driver.exitValue(), output);
            assertTrue(output.contains("Lost executor " + victimId + " "), "the driver saw the loss:\n" + output);
        } finally {
            driver.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            driver.destroyForcibly();
        }
        for (String table : List.of("neuron_examples", "neuron_activations")) {
            assertEquals(rows(local, table), rows(atlas, table), table + " differs from local mode");
        }
    }

    private static List<String> rows(Path atlas, String table) {
        List<String> rows = new ArrayList<>();
        for (Row r : TestSpark.session().read().parquet(atlas + "/" + table).drop("run").collectAsList()) {
            rows.add(r.toString());
        }
        rows.sort(null);
        assertFalse(rows.isEmpty(), table);
        return rows;
    }

    private static String executorId(ProcessHandle executor) {
        String line = executor.info().commandLine().orElse("");
        Matcher m = Pattern.compile("--executor-id (\\S+)").matcher(line);
        assertTrue(m.find(), "executor command line: " + line);
        return m.group(1);
    }
}
