package io.neuronatlas.bench;

import io.neuronatlas.udfs.AtlasFunctions;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * find-token as a user meets it, in wall-clock seconds: a one-off {@code ./submit.sh find-token} process, the same
 * one-off forwarded to a warm {@code ./submit.sh serve} (a fresh client process each time), the shell
 * ({@code ./submit.sh shell}: its process with the first answer, then warm queries in the same session), and DuckDB
 * over the same Parquet files (a fresh JVM with its JDBC driver, then warm on one connection), with the ratios to
 * DuckDB. Processes are started from the repository root's submit.sh, as a user starts them.
 */
final class LookupPeers {
    private static final Pattern TIME = Pattern.compile("(?m)^Time: (\\d+\\.\\d+) s$");
    /** What serve logs for each forwarded find-token it answered. */
    private static final Pattern SERVED = Pattern.compile("(?m)^neuron-atlas serve: find-token, exit 0 in ");
    private static final int LIMIT = 20;
    /** The one-off and the shell rows: never forwarded to a serve the user may have running on the atlas. */
    private static final Map<String, String> ON_ITS_OWN = Map.of("NEURON_ATLAS_NO_SESSION", "1");

    private final Path submit;
    private final String atlas;
    private final String token;
    private final int runs;

    /** @param runs fresh processes of each kind, and warm queries of each kind */
    LookupPeers(Path submit, String atlas, String token, int runs) {
        this.submit = submit;
        this.atlas = atlas;
        this.token = token;
        this.runs = runs;
    }

    /** Seconds: the fastest and the median of several. */
    private record Times(double min, double median) {
        static Times of(List<Double> seconds) {
            double[] s = seconds.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return new Times(s[0], s[s.length / 2]);
        }

        String text() {
            return String.format(Locale.ROOT, "%.2f / %.2f", min, median);
        }
    }

    void print(PrintStream out) throws Exception {
        out.printf(Locale.ROOT, "%nfind-token \"%s\" as a user runs it, on %s (wall seconds, min / median of %d)%n",
                token, atlas, runs);
        List<String> findToken = List.of(submit.toString(), "find-token", "--atlas", atlas, "--limit", "" + LIMIT,
                token);
        // One run first, not timed: the first query command after a build writes the class-data archive.
        String answer = process(findToken, null, ON_ITS_OWN).out();
        List<Double> oneOff = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            oneOff.add(process(findToken, null, ON_ITS_OWN).seconds());
        }
        List<Double> forwarded = forwarded(findToken, answer);
        List<Double> shellFresh = new ArrayList<>();
        List<Double> shellWarm = new ArrayList<>();
        String line = "find-token \"" + token.replace("\\", "\\\\").replace("\"", "\\\"") + "\" --limit " + LIMIT
                + "\n";
        for (int i = 0; i < runs; i++) {
            // Each process: the first answer, then warm queries in the same session.
            Run shell = process(List.of(submit.toString(), "shell", "--atlas", atlas), line.repeat(1 + runs),
                    ON_ITS_OWN);
            List<Double> statements = new ArrayList<>();
            Matcher m = TIME.matcher(shell.out());
            while (m.find()) {
                statements.add(Double.parseDouble(m.group(1)));
            }
            if (statements.size() != 1 + runs) {
                throw new IllegalStateException("the shell answered " + statements.size() + " of " + (1 + runs)
                        + " statements:\n" + shell.out());
            }
            double later = statements.subList(1, statements.size()).stream().mapToDouble(Double::doubleValue).sum();
            shellFresh.add(shell.seconds() - later);
            shellWarm.addAll(statements.subList(1, statements.size()));
        }
        String norm = AtlasFunctions.tokenNorm(UTF8String.fromString(token)).toString();
        String classPath = jarOf(LookupPeers.class) + java.io.File.pathSeparator + jarOf(org.duckdb.DuckDBDriver.class);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Double> duckFresh = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            duckFresh.add(process(List.of(java, "-cp", classPath, DuckDbLookup.class.getName(), atlas, norm,
                    "" + LIMIT), null, Map.of()).seconds());
        }
        List<Double> duckWarm = new ArrayList<>();
        String duckVersion;
        try (Connection connection = DriverManager.getConnection("jdbc:duckdb:")) {
            duckVersion = connection.getMetaData().getDatabaseProductVersion();
            DuckDbLookup.findToken(connection, atlas, norm, LIMIT);
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                DuckDbLookup.findToken(connection, atlas, norm, LIMIT);
                duckWarm.add((System.nanoTime() - t0) / 1e9);
            }
        }
        Times oneOffT = Times.of(oneOff);
        Times forwardedT = Times.of(forwarded);
        Times shellFreshT = Times.of(shellFresh);
        Times shellWarmT = Times.of(shellWarm);
        Times duckFreshT = Times.of(duckFresh);
        Times duckWarmT = Times.of(duckWarm);
        out.printf(Locale.ROOT, "%-38s  %-22s  %-22s%n", "way", "fresh process", "warm (same process)");
        out.printf(Locale.ROOT, "%-38s  %-22s  %-22s%n", "./submit.sh find-token (one-off)", oneOffT.text(), "-");
        out.printf(Locale.ROOT, "%-38s  %-22s  %-22s%n", "one-off find-token forwarded to serve", forwardedT.text(),
                "-");
        out.printf(Locale.ROOT, "%-38s  %-22s  %-22s%n", "./submit.sh shell", shellFreshT.text(), shellWarmT.text());
        out.printf(Locale.ROOT, "%-38s  %-22s  %-22s%n", "DuckDB " + duckVersion + " (JDBC, same files)", duckFreshT.text(), duckWarmT.text());
        out.printf(Locale.ROOT, "ratios to DuckDB (median): one-off %.1fx, forwarded to serve %.1fx, shell's first "
                        + "answer %.1fx (fresh processes); shell %.1fx (warm)%n",
                oneOffT.median() / duckFreshT.median(),
                forwardedT.median() / duckFreshT.median(), shellFreshT.median() / duckFreshT.median(),
                shellWarmT.median() / duckWarmT.median());
        out.printf(Locale.ROOT, "shell warm find-token: median %.3f s (goal: under 1 s)%n", shellWarmT.median());
    }

    private record Run(double seconds, String out) {
    }

    /**
     * The one-off's wall times when a warm serve answers it: serve started on the atlas in a socket folder of this
     * run's own ($XDG_RUNTIME_DIR), one forwarded run untimed (the session's first of this token), then the timed
     * ones, each a fresh client process. Each must print the one-off's answer, and serve must have answered each.
     */
    private List<Double> forwarded(List<String> findToken, String answer) throws Exception {
        Path runtime = Files.createTempDirectory("bench-query-sessions-");
        Path log = runtime.resolve("serve.log");
        Map<String, String> env = Map.of("XDG_RUNTIME_DIR", runtime.toString());
        ProcessBuilder builder = new ProcessBuilder(submit.toString(), "serve", "--atlas", atlas, "--idle-minutes",
                "5").redirectError(log.toFile());
        builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        builder.environment().putAll(env);
        Process serve = builder.start();
        try {
            // Its one line comes once the socket listens and its own first lookup has run.
            String ready = new java.io.BufferedReader(new java.io.InputStreamReader(serve.getInputStream(),
                    StandardCharsets.UTF_8)).readLine();
            if (ready == null || !ready.startsWith("neuron-atlas serve: ")) {
                throw new IllegalStateException("serve did not start:\n" + Files.readString(log));
            }
            List<Double> seconds = new ArrayList<>();
            for (int i = 0; i <= runs; i++) {
                Run run = process(findToken, null, env);
                if (!run.out().equals(answer)) {
                    throw new IllegalStateException("the forwarded find-token printed\n" + run.out()
                            + "\nthe one-off\n" + answer);
                }
                if (i > 0) {
                    seconds.add(run.seconds());
                }
            }
            long served = SERVED.matcher(Files.readString(log)).results().count();
            if (served != runs + 1) {
                throw new IllegalStateException("serve answered " + served + " of " + (runs + 1) + " find-tokens:\n"
                        + Files.readString(log));
            }
            return seconds;
        } finally {
            // SIGTERM to serve's JVM: submit.sh's process itself once the JVM replaced it, else its child (bash would
            // leave it running). Its shutdown hook removes the socket.
            serve.descendants().forEach(ProcessHandle::destroy);
            serve.destroy();
            if (!serve.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                serve.descendants().forEach(ProcessHandle::destroyForcibly);
                serve.destroyForcibly().waitFor();
            }
            Files.deleteIfExists(log);
            try (var left = Files.walk(runtime)) {
                left.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * Runs a command to its end with the given standard input (none when null) and environment variables; its wall
     * time and output.
     */
    private static Run process(List<String> command, String input, Map<String, String> env)
            throws IOException, InterruptedException {
        Path output = Files.createTempFile("bench-query-", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(output.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
            builder.environment().putAll(env);
            long t0 = System.nanoTime();
            Process p = builder.start();
            try (OutputStream stdin = p.getOutputStream()) {
                if (input != null) {
                    stdin.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            int code = p.waitFor();
            double seconds = (System.nanoTime() - t0) / 1e9;
            String out = Files.readString(output);
            if (code != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + code + ":\n" + out);
            }
            return new Run(seconds, out);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static String jarOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the processes can be started: bench-query runs from the repository root, as ./submit.sh does. */
    static boolean available(Path submit) {
        return Files.isExecutable(submit);
    }
}
