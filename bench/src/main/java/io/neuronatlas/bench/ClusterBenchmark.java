package io.neuronatlas.bench;

import io.neuronatlas.atlas.RunRecord;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.ModelConfig;
import io.neuronatlas.checkpoint.safetensors.DType;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.cli.Command;
import io.neuronatlas.cli.Scopt;
import io.neuronatlas.cli.Sessions;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.jobs.MapJob;
import io.neuronatlas.plan.MapOptions;
import io.neuronatlas.testkit.LoopbackCluster;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.SparkSession;
import scopt.OParser;

/**
 * {@code bench-cluster}: the same map on a loopback standalone cluster with 1, then 2 executors of 1 core each
 * (one torch thread each): neurons/s of each, the speed-up, and the fixed cost of a cluster run (session start to
 * the first task), with each executor's peak resident memory from the run record.
 */
final class ClusterBenchmark implements Command {

    static final class Args {
        String work = "target/bench-cluster";
        int layers = 2;
        int dModel = 1024;
        int dMlp = 4096;
        int vocab = 32_000;
        int batchSize = MapOptions.DEFAULT_BATCH_SIZE;
        int shardSize = 256;
        String executorMemory = "2g";
    }

    @Override
    public String name() {
        return "bench-cluster";
    }

    @Override
    public String summary() {
        return "benchmark the map on a loopback Spark cluster with 1 and 2 executors: speed-up, fixed cost, memory";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Scopt<Args> s = new Scopt<>();
        OParser<?, Args> parser = s.parser("neuron-atlas-bench bench-cluster",
                "Starts a standalone Spark cluster on 127.0.0.1 (Spark's Master and two Workers of 1 core, from the "
                        + "project's jars), maps the up_proj neurons of a synthetic bf16 checkpoint with 1 executor "
                        + "and then 2, and prints neurons/s, the speed-up (goal >= 1.8), the time from session start "
                        + "to the first task, and each executor's peak RSS. Run it on an otherwise idle machine.",
                s.string("work", "DIR", "checkpoint, atlases and cluster logs (default target/bench-cluster)",
                        (a, v) -> a.work = v),
                s.integer("layers", "N", "layers of the checkpoint, all mapped (default 2)", (a, v) -> a.layers = v),
                s.integer("d-model", "N", "residual width (default 1024)", (a, v) -> a.dModel = v),
                s.integer("d-mlp", "N", "neurons per matrix and layer (default 4096)", (a, v) -> a.dMlp = v),
                s.integer("vocab", "N", "vocabulary size (default 32000)", (a, v) -> a.vocab = v),
                s.integer("batch-size", "N", "neurons per matrix product (default 256)", (a, v) -> a.batchSize = v),
                s.integer("shard-size", "N", "neurons per task (default 256)", (a, v) -> a.shardSize = v),
                s.string("executor-memory", "SIZE", "spark.executor.memory (default 2g)",
                        (a, v) -> a.executorMemory = v));
        Scopt.Parsed<Args> parsed = Scopt.parse(parser, argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Args a = parsed.options();
        Path work = Path.of(a.work).toAbsolutePath().normalize();
        Path model = work.resolve(String.format(Locale.ROOT, "synthetic-l%d-d%d-m%d-v%d", a.layers, a.dModel,
                a.dMlp, a.vocab));
        ensureCheckpoint(a, model, out);
        Path target = Path.of(ClusterBenchmark.class.getProtectionDomain().getCodeSource().getLocation()
                .toURI()).getParent();

        List<Result> results = new ArrayList<>();
        try (LoopbackCluster cluster = LoopbackCluster.start(new LoopbackCluster.Settings(work.resolve("cluster"),
                2, 1, "4g", false, LoopbackCluster.installationClasspath(target), Duration.ofSeconds(120), true))) {
            out.printf(Locale.ROOT, "bench-cluster: %s, 2 workers x 1 core, each worker and its executor pinned to a "
                    + "core of its own (load before: %s)%n",
                    cluster.masterUrl(), Benchmarks.loadAverage());
            // A first application pays for cold caches (jars, the checkpoint's pages); neither measured run should.
            warmUp(cluster, target, a, out);
            for (int executors : new int[] {1, 2}) {
                results.add(mapOn(cluster, target, executors, a, model, work, out));
            }
        }

        ModelConfig config = ModelConfig.read(model.resolve("config.json"));
        out.printf(Locale.ROOT, "%nbench-cluster: up_proj of %d layer(s), d_model %,d, vocab %,d, batch %d, shard %d;"
                + " 1 core and 1 torch thread per executor%n", config.layers(), config.dModel(), config.vocab(),
                a.batchSize, a.shardSize);
        out.printf(Locale.ROOT, "  %-9s %10s %12s %15s %13s  %s%n", "executors", "neurons", "neurons/s",
                "submit->task s", "end-to-end s", "peak RSS per executor (MiB)");
        for (Result r : results) {
            out.printf(Locale.ROOT, "  %-9d %,10d %,12.1f %15.1f %13.1f  %s%n", r.executors, r.neurons,
                    r.neurons / r.mapSeconds, r.submitToFirstTask, r.endToEnd, r.peakRss);
        }
        double speedUp = results.get(0).mapSeconds / results.get(1).mapSeconds;
        out.printf(Locale.ROOT, "speed-up 2 executors / 1 executor (first task to last task): %.2fx (goal >= 1.8)%n",
                speedUp);
        // The cluster is gone: the projector alone now has the machine, as the executors had it.
        ProjectorScaling.Rates ceiling = ProjectorScaling.measure(a.vocab, a.dModel, a.batchSize, 12);
        out.printf(Locale.ROOT, "this machine's own ceiling, the projector alone (no Spark, no I/O) on 1 thread vs 2 "
                + "threads of 1 torch thread: %,.1f vs %,.1f neurons/s = %.2fx; the map's speed-up is %.0f%% of it%n",
                ceiling.oneThread(), ceiling.twoThreads(), ceiling.ratio(), 100 * speedUp / ceiling.ratio());
        out.printf(Locale.ROOT, "fixed cost of a cluster run (session start to first task): %.1f s with 1 executor, "
                + "%.1f s with 2%n", results.get(0).submitToFirstTask, results.get(1).submitToFirstTask);
        out.printf(Locale.ROOT, "load average after: %s (on %d cores)%n", Benchmarks.loadAverage(),
                Runtime.getRuntime().availableProcessors());
        return 0;
    }

    /** @param mapSeconds first task launched to last task finished: the part more executors shorten */
    private record Result(int executors, long neurons, double submitToFirstTask, double mapSeconds,
                          double endToEnd, List<Long> peakRss) {
    }

    private static void warmUp(LoopbackCluster cluster, Path target, Args a, PrintStream out) {
        long t0 = System.nanoTime();
        SparkSession spark = session(cluster, target, 2, a, "warm-up");
        try {
            spark.range(0, 2, 1, 2).count();
        } finally {
            stop(spark);
        }
        out.printf(Locale.ROOT, "bench-cluster: warm-up application %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    private static SparkSession session(LoopbackCluster cluster, Path target, int executors, Args a, String name) {
        return Sessions.builder("neuron-atlas bench-cluster " + name, cluster.masterUrl())
                .config("spark.executor.cores", "1").config("spark.cores.max", Integer.toString(executors))
                .config("spark.executor.memory", a.executorMemory)
                .config("spark.executor.extraClassPath", target.resolve("neuron-atlas.jar") + ":"
                        + target.resolve("lib") + "/*")
                .config("spark.executor.extraJavaOptions", "-Dai.djl.offline=true")
                // Every executor is up before the first task, so both runs split the same work from the start.
                .config("spark.scheduler.minRegisteredResourcesRatio", "1.0")
                .config("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s")
                .getOrCreate();
    }

    private static void stop(SparkSession spark) {
        spark.stop();
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    private static Result mapOn(LoopbackCluster cluster, Path target, int executors, Args a, Path model, Path work,
                                PrintStream out) throws IOException {
        out.printf(Locale.ROOT, "%nbench-cluster: %d executor(s)%n", executors);
        TaskTimes times = new TaskTimes();
        long start = System.currentTimeMillis();
        SparkSession spark = session(cluster, target, executors, a, "x" + executors);
        try {
            spark.sparkContext().addSparkListener(times);
            // force: a benchmark run finds its atlases from the last run and must compute all the same.
            MapOptions options = MapOptions.builder(model, work.resolve("atlas-x" + executors).toString())
                    .checkpoint("bench").matrices(List.of(MlpMatrix.UP)).shardSize(a.shardSize)
                    .batchSize(a.batchSize).device(DeviceMode.CPU).force(true).build();
            RunRecord record = new MapJob(spark, out).map(options).record();
            long end = System.currentTimeMillis();
            List<Long> rss = record.executors().stream().map(e -> e.peakRssBytes() >> 20).toList();
            return new Result(executors, record.neurons(), (times.firstLaunch - start) / 1e3,
                    (times.lastFinish - times.firstLaunch) / 1e3, (end - start) / 1e3, rss);
        } finally {
            stop(spark);
        }
    }

    /** Launch of the first task and end of the last one, in wall-clock milliseconds. */
    private static final class TaskTimes extends SparkListener {
        private volatile long firstLaunch = Long.MAX_VALUE;
        private volatile long lastFinish;

        @Override
        public synchronized void onTaskStart(SparkListenerTaskStart taskStart) {
            firstLaunch = Math.min(firstLaunch, taskStart.taskInfo().launchTime());
        }

        @Override
        public synchronized void onTaskEnd(SparkListenerTaskEnd taskEnd) {
            lastFinish = Math.max(lastFinish, taskEnd.taskInfo().finishTime());
        }
    }

    private static void ensureCheckpoint(Args a, Path model, PrintStream out) throws IOException {
        if (Files.exists(model.resolve("config.json"))) {
            out.println("bench-cluster: reusing " + model);
            return;
        }
        long t0 = System.nanoTime();
        new SyntheticCheckpoint().layers(a.layers).dModel(a.dModel).dMlp(a.dMlp).vocab(a.vocab).dtype(DType.BF16)
                .seed(3).write(model);
        out.printf(Locale.ROOT, "bench-cluster: wrote %s in %.1f s%n", model, (System.nanoTime() - t0) / 1e9);
    }
}
