package io.neuronatlas.compute;

import java.util.Optional;

/**
 * What a task knows about where it runs, as plain data: the executor's compute steps take it instead of asking Spark,
 * so they run and are tested without Spark. The Spark job fills it in from its task context.
 *
 * @param gpuAddress       the GPU address Spark assigned the task, if it scheduled one
 * @param cpus             the cores the task owns (spark.task.cpus), for CPU thread pools
 * @param simulateGpuAsCpu the loopback cluster's made-up GPUs: compute on the CPU and say so
 * @param attemptId        the task attempt, unique within the application (0 outside Spark)
 * @param executorId       "driver" outside a cluster
 * @param host             where the task runs
 */
public record TaskEnvironment(Optional<String> gpuAddress, int cpus, boolean simulateGpuAsCpu, long attemptId,
                              String executorId, String host) {
    public TaskEnvironment {
        if (cpus < 1) {
            throw new IllegalArgumentException("a task owns at least one core, found " + cpus);
        }
    }

    /** This JVM outside Spark: every core, no GPU assigned. */
    public static TaskEnvironment local() {
        return new TaskEnvironment(Optional.empty(), Runtime.getRuntime().availableProcessors(), false, 0, "driver",
                hostName());
    }

    public static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
