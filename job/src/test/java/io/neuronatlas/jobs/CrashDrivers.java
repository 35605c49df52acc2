package io.neuronatlas.jobs;

import io.neuronatlas.cli.Sessions;
import io.neuronatlas.plan.MapOptions;
import io.neuronatlas.testing.PauseAt;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * Driver processes for the crash tests: each runs a job like its command would and pauses at one publish step
 * ({@link PauseAt}), so that the test can kill it there.
 */
public final class CrashDrivers {
    private CrashDrivers() {
    }

    /** Starts mainClass with args in a JVM of its own, on the test's class path and JVM flags, output to log. */
    public static Process start(String mainClass, List<String> args, Path log) throws IOException {
        return start(List.of(), mainClass, args, log);
    }

    /** As {@link #start(String, List, Path)}, with more JVM options (a log configuration, say). */
    public static Process start(List<String> jvmOptions, String mainClass, List<String> args, Path log)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent")) {
                command.add(arg);
            }
        }
        command.add("-Dai.djl.offline=true");
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return builder.start();
    }

    /** MODEL ATLAS CHECKPOINT TOP_K SHARD_SIZE BATCH_SIZE MASTER STEP SIGNAL. */
    static final class Map {
        public static void main(String[] args) throws IOException {
            MapOptions options = MapOptions.builder(Path.of(args[0]), args[1]).checkpoint(args[2])
                    .topK(Integer.parseInt(args[3])).shardSize(Integer.parseInt(args[4]))
                    .batchSize(Integer.parseInt(args[5])).build();
            SparkSession spark = Sessions.open("crash test: map", args[6]);
            new MapJob(spark, System.out, new PauseAt(args[7], Path.of(args[8]))).map(options);
            spark.stop();
        }
    }

    /** ATLAS CHECKPOINT ROWS SEED MASTER STEP SIGNAL: the test-only probe job, slow enough to be killed mid-write. */
    static final class Probe {
        public static void main(String[] args) throws IOException {
            SparkSession spark = Sessions.open("crash test: probe", args[4]);
            ProbeJob.Parameters parameters = new ProbeJob.Parameters(Integer.parseInt(args[2]),
                    Integer.parseInt(args[3]), 200, -1);
            new ProbeJob(spark, new PauseAt(args[5], Path.of(args[6]))).run(args[0], args[1], "", "xxh64:probe",
                    parameters);
            spark.stop();
        }
    }
}
