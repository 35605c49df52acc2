package io.neuronatlas.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * node, Debian's chromium and playwright-core (npm ci in job/src/test/browser), for the viewer's tests. A missing
 * tool skips the test, saying what is missing and how to get it; under CI=true it fails it instead, since .ci/run
 * installs all three.
 */
final class BrowserTools {
    /** The browser tests' folder, relative to the job module (surefire and failsafe run there). */
    static final Path TESTS = Path.of("src/test/browser");
    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("NEURON_ATLAS_CHROMIUM", "/usr/bin/chromium"));

    private BrowserTools() {
    }

    static Path node() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path node = Path.of(dir, "node");
            if (Files.isExecutable(node)) {
                return node;
            }
        }
        return missing("node (Node.js 20+) is not on PATH; install it (Debian: apt-get install nodejs npm)");
    }

    static Path chromium() {
        return Files.isExecutable(CHROMIUM) ? CHROMIUM : missing(CHROMIUM + " is missing; install Debian's "
                + "chromium (apt-get install chromium) or point NEURON_ATLAS_CHROMIUM at a Chromium");
    }

    /** The browser tests' folder once playwright-core is installed in it. */
    static Path playwright() {
        return Files.isDirectory(TESTS.resolve("node_modules/playwright-core")) ? TESTS : missing("playwright-core "
                + "is not installed in job/" + TESTS + "; run 'npm ci' there (.ci/run does)");
    }

    private static <T> T missing(String what) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            return Assertions.fail(what + "; CI=true, and .ci/run installs the browser tools, so this is a setup "
                    + "error");
        }
        return Assumptions.abort("browser tests skipped: " + what);
    }

    /** What a command printed (stdout and stderr together) and its exit code. */
    record Run(int code, String output) {
    }

    /** Runs command in dir with extra environment variables, at most timeoutSeconds. */
    static Run run(List<String> command, Path dir, Map<String, String> env, int timeoutSeconds)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("neuron-atlas-browser-", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
                return new Run(-1, Files.readString(log, StandardCharsets.UTF_8) + "\n(killed after "
                        + timeoutSeconds + " s)");
            }
            return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
