package io.neuronatlas.cli;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where a one-off query command's wall time goes, printed to standard error when the JVM runs with
 * {@code -Dneuronatlas.timings=true} ({@code NEURON_ATLAS_JAVA_OPTS=-Dneuronatlas.timings=true ./submit.sh
 * find-token ...}): the JVM's start up to the command, then each step, with the process's CPU time at the end (all
 * threads: the JIT compiler's and Spark's too). docs/shell.md's breakdown was measured with it.
 */
final class StartupTimes {
    static final String PROPERTY = "neuronatlas.timings";

    private final boolean enabled = Boolean.getBoolean(PROPERTY);
    private final List<String> steps = new ArrayList<>();
    private long last = System.nanoTime();

    StartupTimes() {
        if (enabled) {
            steps.add(seconds("jvm start", ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000L));
        }
    }

    /** Ends the step begun by the previous call (or at construction). */
    void step(String name) {
        if (enabled) {
            long now = System.nanoTime();
            steps.add(seconds(name, now - last));
            last = now;
        }
    }

    void print(PrintStream err) {
        if (enabled) {
            long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
            err.println("timings: " + String.join(", ", steps) + String.format(Locale.ROOT, "; process cpu %.2f s",
                    cpu / 1e9));
        }
    }

    private static String seconds(String name, long nanos) {
        return String.format(Locale.ROOT, "%s %.2f s", name, nanos / 1e9);
    }
}
