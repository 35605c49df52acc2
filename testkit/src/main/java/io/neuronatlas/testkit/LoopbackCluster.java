package io.neuronatlas.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.spark.launcher.JavaModuleOptions;

/**
 * A real Spark standalone cluster on 127.0.0.1: one Master and N Worker JVMs started from Spark's own classes (no
 * Spark distribution needed), each worker optionally advertising one made-up GPU (addresses "0", "1", ...) through
 * a discovery script, so Spark's GPU scheduling runs for real on a machine without GPUs. Every process is started
 * and stopped by pid. {@code conf/local-cluster.sh} (the bench module's local-cluster command), bench-cluster and the
 * tests use this class, so the launch recipe lives here only.
 *
 * <p>What a worker needs from its environment (measured, Spark 4.1): {@code SPARK_SCALA_VERSION}, a
 * {@code SPARK_HOME} whose {@code jars/} exists (empty here), and Spark's classes for executors, given through
 * {@code SPARK_DIST_CLASSPATH}, as a Spark installation would have them.
 */
public final class LoopbackCluster implements AutoCloseable {
    private static final String STATE_FILE = "cluster.properties";
    private static final String TAG = "-Dneuron-atlas.loopback-cluster=";
    private static final String EXECUTOR_CLASS = "org.apache.spark.executor.CoarseGrainedExecutorBackend";

    /**
     * @param dir            holds logs, work folders, discovery scripts and the state file; created if missing
     * @param sparkClasspath class path with Spark's jars, for the daemons and for executors (the "installation")
     * @param simulatedGpus  each worker advertises one GPU, address = its index
     * @param pinToCores     run worker i and its executors on cores of their own (taskset): Spark's --cores only
     *                       counts task slots, and an executor's other threads (Parquet, compression, GC) would
     *                       otherwise spread over every core, so a "1-core" executor would not be one
     */
    public record Settings(Path dir, int workers, int coresPerWorker, String workerMemory, boolean simulatedGpus,
                           String sparkClasspath, Duration startTimeout, boolean pinToCores) {
        public Settings {
            if (workers < 1 || coresPerWorker < 1) {
                throw new IllegalArgumentException("a loopback cluster needs at least 1 worker with 1 core, asked "
                        + workers + " x " + coresPerWorker);
            }
            int cores = Runtime.getRuntime().availableProcessors();
            if (pinToCores && workers * coresPerWorker > cores) {
                throw new IllegalArgumentException("cannot pin " + workers + " workers x " + coresPerWorker
                        + " cores to cores of their own: this machine has " + cores);
            }
            if (sparkClasspath == null || sparkClasspath.isBlank()) {
                throw new IllegalArgumentException("a loopback cluster needs Spark's class path");
            }
            // Daemons and executors run in their own folders: a relative entry would point nowhere there.
            sparkClasspath = Arrays.stream(sparkClasspath.split(File.pathSeparator)).filter(e -> !e.isBlank())
                    .map(e -> Path.of(e).toAbsolutePath().normalize().toString())
                    .collect(Collectors.joining(File.pathSeparator));
        }
    }

    private final Path dir;
    private final String masterUrl;
    private final ProcessHandle master;
    private final List<ProcessHandle> workers;

    private LoopbackCluster(Path dir, String masterUrl, ProcessHandle master, List<ProcessHandle> workers) {
        this.dir = dir;
        this.masterUrl = masterUrl;
        this.master = master;
        this.workers = List.copyOf(workers);
    }

    /** Starts the master and the workers and returns once every worker has registered with the master. */
    public static LoopbackCluster start(Settings s) throws IOException {
        Path dir = s.dir().toAbsolutePath().normalize();
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Path sparkHome = dir.resolve("spark-home");
        Files.createDirectories(sparkHome.resolve("jars"));
        Files.createDirectories(sparkHome.resolve("conf"));
        Path daemonLog = writeDaemonLogConfig(dir);
        copyResource("executor-log4j2.properties", sparkHome.resolve("conf/log4j2.properties"));

        int port = freePort();
        String url = "spark://127.0.0.1:" + port;
        List<ProcessHandle> started = new ArrayList<>();
        try {
            ProcessHandle master = launch(s, dir, daemonLog, List.of(), null, "org.apache.spark.deploy.master.Master",
                    List.of("--host", "127.0.0.1", "--port", Integer.toString(port), "--webui-port", "0"),
                    logs.resolve("master.log"), sparkHome);
            started.add(master);
            List<ProcessHandle> workers = new ArrayList<>();
            for (int i = 0; i < s.workers(); i++) {
                List<String> props = new ArrayList<>();
                if (s.simulatedGpus()) {
                    Path script = writeDiscoveryScript(dir, i);
                    props.add("-Dspark.worker.resource.gpu.amount=1");
                    props.add("-Dspark.worker.resource.gpu.discoveryScript=" + script);
                }
                String cpus = s.pinToCores()
                        ? (i * s.coresPerWorker()) + "-" + ((i + 1) * s.coresPerWorker() - 1) : null;
                ProcessHandle worker = launch(s, dir, daemonLog, props, cpus, "org.apache.spark.deploy.worker.Worker",
                        List.of("--host", "127.0.0.1", "--cores", Integer.toString(s.coresPerWorker()),
                                "--memory", s.workerMemory(), "--webui-port", "0",
                                "--work-dir", Files.createDirectories(dir.resolve("work-" + i)).toString(), url),
                        logs.resolve("worker-" + i + ".log"), sparkHome);
                started.add(worker);
                workers.add(worker);
            }
            LoopbackCluster cluster = new LoopbackCluster(dir, url, master, workers);
            cluster.saveState();
            cluster.awaitWorkersRegistered(s.startTimeout());
            return cluster;
        } catch (IOException | RuntimeException e) {
            stopAll(started, Duration.ofSeconds(10));
            throw e;
        }
    }

    /** The cluster {@link #start} left running in this folder (for {@code local-cluster.sh stop}). */
    public static LoopbackCluster attach(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        Properties state = new Properties();
        try (InputStream in = Files.newInputStream(abs.resolve(STATE_FILE))) {
            state.load(in);
        }
        ProcessHandle master = ours(abs, Long.parseLong(state.getProperty("master.pid")));
        List<ProcessHandle> workers = new ArrayList<>();
        for (String pid : state.getProperty("worker.pids", "").split(",")) {
            if (!pid.isBlank()) {
                workers.add(ours(abs, Long.parseLong(pid.trim())));
            }
        }
        return new LoopbackCluster(abs, state.getProperty("master.url"), master, workers);
    }

    /**
     * What a Spark installation would give the daemons and executors, from a built {@code job/target}: Spark's
     * jars (spark-lib/) plus the Scala library and slf4j-api, which Maven files under lib/ because the job needs
     * them too (submit.sh leaves the same two out of --jars for an installed Spark).
     */
    public static String installationClasspath(Path target) throws IOException {
        List<String> entries = new ArrayList<>();
        entries.add(target.resolve("spark-lib").toAbsolutePath() + File.separator + "*");
        try (var lib = Files.list(target.resolve("lib"))) {
            lib.filter(p -> p.getFileName().toString().matches("(scala-library|slf4j-api)-.*\\.jar"))
                    .map(Path::toString).sorted().forEach(entries::add);
        }
        if (entries.size() != 3) {
            throw new IOException(target + ": expected spark-lib/ and lib/scala-library-*.jar, lib/slf4j-api-*.jar "
                    + "(mvn package)");
        }
        return String.join(File.pathSeparator, entries);
    }

    public String masterUrl() {
        return masterUrl;
    }

    public Path dir() {
        return dir;
    }

    public List<ProcessHandle> workers() {
        return workers;
    }

    /** The live executor JVMs (CoarseGrainedExecutorBackend children of the workers). */
    public List<ProcessHandle> executors() {
        List<ProcessHandle> executors = new ArrayList<>();
        for (ProcessHandle w : workers) {
            w.children().filter(p -> p.info().commandLine().map(c -> c.contains(EXECUTOR_CLASS)).orElse(false))
                    .forEach(executors::add);
        }
        return executors;
    }

    /** Stops workers (and their executors) and the master by pid; kills what has not exited after 10 s. */
    @Override
    public void close() {
        List<ProcessHandle> all = new ArrayList<>();
        for (ProcessHandle w : workers) {
            w.descendants().forEach(all::add);
            all.add(w);
        }
        all.add(master);
        stopAll(all, Duration.ofSeconds(10));
        try {
            Files.deleteIfExists(dir.resolve(STATE_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void stopAll(List<ProcessHandle> processes, Duration grace) {
        processes.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle p : processes) {
            try {
                long left = Math.max(1, deadline - System.nanoTime());
                p.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
        for (ProcessHandle p : processes) {
            try {
                p.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                // A process that ignores SIGKILL for 5 s is beyond our reach; say so rather than hang.
                System.err.println("loopback cluster: pid " + p.pid() + " did not exit after SIGKILL");
            }
        }
    }

    private void awaitWorkersRegistered(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int registered = 0;
            for (int i = 0; i < workers.size(); i++) {
                Path log = dir.resolve("logs/worker-" + i + ".log");
                if (Files.exists(log) && Files.readString(log).contains("Successfully registered with master")) {
                    registered++;
                }
            }
            if (registered == workers.size()) {
                return;
            }
            List<ProcessHandle> daemons = new ArrayList<>(workers);
            daemons.add(0, master);
            for (int i = 0; i < daemons.size(); i++) {
                if (!daemons.get(i).isAlive()) {
                    Path log = dir.resolve(i == 0 ? "logs/master.log" : "logs/worker-" + (i - 1) + ".log");
                    throw new IOException("loopback cluster: pid " + daemons.get(i).pid() + " exited during start; "
                            + log + " ends with:\n" + tail(log, 20));
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("loopback cluster: " + registered + " of " + workers.size()
                        + " workers registered within " + timeout.toSeconds() + " s; see " + dir.resolve("logs"));
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while the loopback cluster started", e);
            }
        }
    }

    private static String tail(Path log, int lines) throws IOException {
        if (!Files.exists(log)) {
            return "(no log)";
        }
        List<String> all = Files.readAllLines(log);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** @param cpus the cores the daemon and the executors it starts may run on (taskset), or null for any */
    private static ProcessHandle launch(Settings s, Path dir, Path logConfig, List<String> props, String cpus,
                                        String mainClass, List<String> args, Path log, Path sparkHome)
            throws IOException {
        List<String> command = new ArrayList<>();
        if (cpus != null) {
            command.addAll(List.of("taskset", "-c", cpus)); // inherited by the executors the worker forks
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(JavaModuleOptions.defaultModuleOptionArray()));
        command.add(TAG + dir);
        command.add("-Xmx512m");
        command.add("-Dlog4j2.configurationFile=" + logConfig.toUri());
        // The master's REST submission server would take the fixed port 6066; nothing here uses it.
        command.add("-Dspark.master.rest.enabled=false");
        command.addAll(props);
        command.add("-cp");
        command.add(s.sparkClasspath());
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("SPARK_DIST_CLASSPATH", s.sparkClasspath());
        return pb.start().toHandle();
    }

    private static Path writeDiscoveryScript(Path dir, int address) throws IOException {
        Path script = dir.resolve("simulated-gpu-" + address + ".sh");
        Files.writeString(script, "#!/usr/bin/env bash\n"
                + "# A made-up GPU for a loopback cluster: Spark schedules it, no device exists behind it.\n"
                + "echo '{\"name\": \"gpu\", \"addresses\": [\"" + address + "\"]}'\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private static Path writeDaemonLogConfig(Path dir) throws IOException {
        Path file = dir.resolve("daemon-log4j2.properties");
        copyResource("daemon-log4j2.properties", file);
        return file;
    }

    private static void copyResource(String name, Path target) throws IOException {
        try (InputStream in = LoopbackCluster.class.getResourceAsStream(name);
             OutputStream out = Files.newOutputStream(target)) {
            if (in == null) {
                throw new IOException("missing resource " + name + " next to " + LoopbackCluster.class.getName());
            }
            in.transferTo(out);
        }
    }

    private void saveState() throws IOException {
        Properties state = new Properties();
        state.setProperty("master.url", masterUrl);
        state.setProperty("master.pid", Long.toString(master.pid()));
        state.setProperty("worker.pids", String.join(",", workers.stream().map(p -> Long.toString(p.pid()))
                .toList()));
        try (OutputStream out = Files.newOutputStream(dir.resolve(STATE_FILE))) {
            state.store(out, "loopback Spark cluster started by neuron-atlas");
        }
    }

    /** A pid from the state file, if it is still one of this cluster's daemons (pids get reused). */
    private static ProcessHandle ours(Path dir, long pid) throws IOException {
        ProcessHandle p = ProcessHandle.of(pid).orElse(null);
        if (p == null || !p.info().commandLine().map(c -> c.contains(TAG + dir)).orElse(false)) {
            throw new IOException("pid " + pid + " from " + dir.resolve(STATE_FILE)
                    + " is no longer a daemon of this cluster; nothing stopped");
        }
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
