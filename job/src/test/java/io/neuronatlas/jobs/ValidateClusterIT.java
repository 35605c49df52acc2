package io.neuronatlas.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.compute.forward.ClampScope;
import io.neuronatlas.compute.forward.Precision;
import io.neuronatlas.compute.forward.ValueRange;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.testing.TestSpark;
import io.neuronatlas.testing.Validations;
import io.neuronatlas.testkit.LoopbackCluster;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * validate submitted through submit.sh to a standalone cluster on loopback (two workers, each with one simulated
 * GPU, executors in their own JVMs) writes the same clamp_sweeps and neuron_validation as the same validation in
 * local mode, and records the device of every task.
 */
// A map, a local validation, a cluster's start and a submitted validation: 5.5 min on a busy 2-core machine.
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ValidateClusterIT {
    /** Floating columns: the same float32 kernels, but executors may split matrix products over other threads. */
    static final double TOLERANCE = 1e-6;
    static final String VALUES = "-100:100:5";
    static final int CANDIDATES = 3;

    @TempDir
    static Path dir;

    @Test
    void clusterTablesEqualLocalTables() throws Exception {
        Validations.Fixture fixture = Validations.write(dir.resolve("fixture"));
        Path clusterAtlas = dir.resolve("atlas-cluster");
        copyTree(fixture.atlas(), clusterAtlas); // the same map, so the same candidates
        new ValidateJob(TestSpark.session(), new PrintStream(OutputStream.nullOutputStream()), PublishListener.NONE)
                .validate(new ValidateJob.Options(fixture.model(), fixture.atlas().toString(), null, " dog",
                        Validations.PROMPTS, false, CANDIDATES, ValueRange.parse("--values", VALUES), ClampScope.ALL,
                        DeviceMode.AUTO, Precision.FP32));

        Path target = Path.of(System.getProperty("neuronatlas.target"));
        Path root = Path.of(System.getProperty("neuronatlas.root"));
        try (LoopbackCluster cluster = LoopbackCluster.start(new LoopbackCluster.Settings(dir.resolve("cluster"), 2,
                1, "2g", true, LoopbackCluster.installationClasspath(target), Duration.ofSeconds(90), false))) {
            List<String> command = new ArrayList<>(List.of("bash", root.resolve("submit.sh").toString(),
                    "--master", cluster.masterUrl(), "--conf", "spark.executor.resource.gpu.amount=1",
                    "--conf", "spark.task.resource.gpu.amount=1", "--conf", "spark.executor.cores=1",
                    "--conf", "spark.cores.max=2", "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
                    "--conf", DeviceRule.SIMULATE_GPU_AS_CPU + "=true",
                    "validate", "--atlas", clusterAtlas.toString(), "--model", fixture.model().toString(),
                    "--token", " dog", "--prompts", fixture.prompts().toString(),
                    "--candidates", Integer.toString(CANDIDATES), "--values", VALUES));
            Path log = dir.resolve("driver.log");
            Process p = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            try {
                assertTrue(p.waitFor(6, TimeUnit.MINUTES), "validate ran past 6 minutes:\n" + Files.readString(log));
            } finally {
                p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            assertEquals(0, p.exitValue(), Files.readString(log));
            assertTrue(Files.readString(log).contains("L" + Validations.PLANTED.layer() + "."
                    + Validations.PLANTED.neuron()), "the ranking is printed:\n" + Files.readString(log));
        }
        for (String table : List.of("clamp_sweeps", "neuron_validation")) {
            assertSame(rows(fixture.atlas(), table), rows(clusterAtlas, table), table);
        }
        SparkSession spark = TestSpark.session();
        Atlas.open(spark, clusterAtlas.toString());
        List<String> records = spark.table("validation_runs").toJSON().collectAsList();
        assertEquals(1, records.size(), records.toString());
        JsonNode tasks = new ObjectMapper().readTree(records.get(0)).get("tasks");
        Set<String> devices = new TreeSet<>();
        tasks.forEach(t -> devices.add(t.get("device").asText()));
        assertTrue(devices.stream().allMatch(d -> d.matches("cpu \\(simulated gpu:[01]\\)")), devices.toString());
        assertTrue(tasks.size() >= 2, tasks.toString());
    }

    private static void assertSame(List<Row> local, List<Row> cluster, String table) {
        assertEquals(local.size(), cluster.size(), table + " row count");
        for (int i = 0; i < local.size(); i++) {
            Row a = local.get(i);
            Row b = cluster.get(i);
            for (StructField f : a.schema().fields()) {
                Object x = a.getAs(f.name());
                Object y = b.getAs(f.name());
                if (x instanceof Double dx) {
                    assertEquals(dx, (Double) y, TOLERANCE * Math.max(1, Math.abs(dx)), table + "." + f.name()
                            + " row " + i + ": " + a + " vs " + b);
                } else {
                    assertEquals(x, y, table + "." + f.name() + " row " + i);
                }
            }
        }
    }

    /** A table's published rows without the run id, in a stable order. */
    private static List<Row> rows(Path atlas, String table) throws IOException {
        SparkSession spark = TestSpark.session();
        Atlas.open(spark, atlas.toString());
        List<Row> rows = new ArrayList<>(spark.table(table).drop("run").collectAsList());
        Comparator<Row> order = Comparator.comparing((Row r) -> r.<Integer>getAs("layer"))
                .thenComparing(r -> r.<Integer>getAs("neuron"));
        if (table.equals("clamp_sweeps")) {
            order = order.thenComparing(r -> r.<Integer>getAs("prompt_index")).thenComparing(r -> r.<Double>getAs(
                    "value"));
        }
        rows.sort(order);
        return rows;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path copy = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(p, copy);
                }
            }
        }
    }
}
