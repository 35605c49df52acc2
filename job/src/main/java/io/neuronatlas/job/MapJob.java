package io.neuronatlas.job;

import io.neuronatlas.device.DeviceMode;
import io.neuronatlas.model.Checkpoint;
import io.neuronatlas.model.ModelConfig;
import io.neuronatlas.tokenizer.TokenTable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkJobInfo;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.JavaSparkStatusTracker;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * The map: plans shards on the driver from headers alone, computes them on executors, writes the atlas tables to
 * a staging folder and publishes them in place of the checkpoint's previous map.
 */
public final class MapJob {
    private static final String COMPUTE_GROUP = "neuron-atlas-compute";

    private final SparkSession spark;
    private final PrintStream console;

    public MapJob(SparkSession spark, PrintStream console) {
        this.spark = spark;
        this.console = console;
    }

    public RunRecord run(MapOptions options) throws IOException {
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        Plan plan = plan(options);
        MapSpec spec = plan.spec();
        console.printf("[map] %s: %,d %s neurons in %d shards of up to %,d, top-%d, device %s%n", spec.checkpoint(),
                plan.neurons(), plan.matrixLabels(), plan.shards().size(), plan.shardSize(), spec.topK(),
                spec.device().label());

        String runId = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(started)
                + "-" + UUID.randomUUID().toString().substring(0, 8);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        AtlasPublisher publisher = new AtlasPublisher(jsc.hadoopConfiguration(), options.atlas(), runId);
        Broadcast<TokenTable> tokens = jsc.broadcast(plan.tokens());
        int[] shardNeurons = plan.shards().stream().mapToInt(Shard::count).toArray();
        ProgressListener progress = new ProgressListener(COMPUTE_GROUP, shardNeurons, console, 2000);
        spark.sparkContext().addSparkListener(progress);
        try {
            long t1 = System.nanoTime();
            jsc.setJobGroup(COMPUTE_GROUP, "neuron-atlas map " + spec.checkpoint(), true);
            String staging = publisher.staging().toString();
            List<ShardReport> reports = new ArrayList<>(jsc.parallelize(plan.shards(), plan.shards().size())
                    .map(shard -> ShardTask.run(shard, spec, staging, tokens.value()))
                    .collect());
            jsc.clearJobGroup();
            reports.sort((a, b) -> Integer.compare(a.shard(), b.shard()));
            publisher.checkStaged(spec.checkpoint(), plan.shards());
            long t2 = System.nanoTime();

            double map = (t2 - t1) / 1e9;
            RunRecord.Timings timings = new RunRecord.Timings((t1 - t0) / 1e9, map, 0, (t2 - t0) / 1e9,
                    plan.neurons() / ((t2 - t0) / 1e9));
            RunRecord record = record(runId, plan, started, timings, reports);
            writeRecord(jsc, publisher, record);
            VocabularyWriter.write(jsc.hadoopConfiguration(), publisher.stagingTable(AtlasSchema.TOKENS),
                    spec.checkpoint(), plan.tokens());
            long t3 = System.nanoTime();
            publisher.publish(spec.checkpoint(), AtlasSchema.publishedTables(!spec.watch().isEmpty()));
            long t4 = System.nanoTime();
            console.printf("[map] %s: %,d neurons in %.1f s (%,.0f neurons/s; map %.1f s, publish %.1f s) into %s%n",
                    spec.checkpoint(), plan.neurons(), (t4 - t0) / 1e9, plan.neurons() / ((t4 - t0) / 1e9), map,
                    (t4 - t3) / 1e9, options.atlas());
            return record;
        } catch (IOException | RuntimeException e) {
            // Tasks of a failed job may still be running and writing; let them stop before staging goes.
            jsc.cancelJobGroup(COMPUTE_GROUP);
            awaitNoActiveTasks(jsc, TimeUnit.MINUTES.toMillis(2));
            publisher.abandon();
            throw e;
        } finally {
            jsc.clearJobGroup();
            spark.sparkContext().removeSparkListener(progress);
            tokens.destroy();
        }
    }

    private static void awaitNoActiveTasks(JavaSparkContext jsc, long timeoutMillis) {
        JavaSparkStatusTracker tracker = jsc.statusTracker();
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            int active = 0;
            for (int job : tracker.getJobIdsForGroup(COMPUTE_GROUP)) {
                SparkJobInfo info = tracker.getJobInfo(job);
                for (int stage : info == null ? new int[0] : info.stageIds()) {
                    SparkStageInfo stageInfo = tracker.getStageInfo(stage);
                    active += stageInfo == null ? 0 : stageInfo.numActiveTasks();
                }
            }
            if (active == 0) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void writeRecord(JavaSparkContext jsc, AtlasPublisher publisher, RunRecord record)
            throws IOException {
        Path dir = new Path(publisher.stagingTable(AtlasSchema.RUNS), AtlasPublisher.partition(record.checkpoint()));
        FileSystem fs = dir.getFileSystem(jsc.hadoopConfiguration());
        try (OutputStream out = fs.create(new Path(dir, "run.json"), false)) {
            out.write((record.toJson() + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Reads config, headers and tokenizer on the driver; fails here, before any task, on a bad model folder. */
    Plan plan(MapOptions options) throws IOException {
        try (Checkpoint checkpoint = Checkpoint.open(options.modelDir())) {
            ModelConfig config = checkpoint.config();
            List<Integer> layers = LayerSelection.parse(options.layers(), config.layers());
            int shardSize = options.shardSize() > 0 ? options.shardSize()
                    : ShardPlanner.defaultShardSize(config, expectsGpu(options.device()));
            List<Shard> shards = ShardPlanner.plan(config, options.matrices(), layers, shardSize);
            if (options.foldNorm()) {
                checkpoint.lmHeadRows(true);
            }
            TokenTable tokens = checkpoint.tokens();
            List<Integer> watch = new ArrayList<>();
            for (String token : options.watch()) {
                watch.add(tokens.idOf(token).orElseThrow(() -> new IllegalArgumentException("--watch: token \""
                        + token + "\" is not in the vocabulary of " + options.modelDir() + " (tokens are text "
                        + "with their leading space, e.g. \" dog\")")));
            }
            MapSpec spec = new MapSpec(options.checkpointName(),
                    options.modelDir().toAbsolutePath().normalize().toString(), checkpoint.stamp(),
                    checkpoint.lmHeadTensor(),
                    config.vocab(), config.dModel(), options.foldNorm(), options.topK(), options.batchSize(),
                    options.device(), watch);
            return new Plan(spec, config, layers, shards, shardSize, tokens);
        }
    }

    private boolean expectsGpu(DeviceMode mode) {
        return mode == DeviceMode.GPU || (mode == DeviceMode.AUTO
                && spark.sparkContext().conf().getDouble("spark.executor.resource.gpu.amount", 0) > 0);
    }

    private RunRecord record(String runId, Plan plan, Instant started, RunRecord.Timings timings,
                             List<ShardReport> summaries) {
        MapSpec spec = plan.spec();
        Map<String, List<ShardReport>> byExecutor = new LinkedHashMap<>();
        for (ShardReport s : summaries) {
            byExecutor.computeIfAbsent(s.executorId() + "|" + s.device(), k -> new ArrayList<>()).add(s);
        }
        List<RunRecord.ExecutorUse> executors = new ArrayList<>();
        for (List<ShardReport> list : byExecutor.values()) {
            ShardReport first = list.get(0);
            executors.add(new RunRecord.ExecutorUse(first.executorId(), first.host(), first.device(), list.size(),
                    list.stream().mapToLong(ShardReport::neurons).sum(),
                    list.stream().mapToDouble(ShardReport::readSeconds).sum(),
                    list.stream().mapToDouble(ShardReport::computeSeconds).sum(),
                    list.stream().mapToDouble(ShardReport::writeSeconds).sum()));
        }
        RunRecord.Parameters parameters = new RunRecord.Parameters(plan.matrixLabels(), plan.layers(),
                spec.topK(), spec.foldNorm(), plan.shardSize(), spec.batchSize(), spec.device().label(),
                spec.lmHeadTensor(), List.copyOf(plan.watch()));
        return new RunRecord(runId, spec.checkpoint(), spec.modelDir(), plan.config(), parameters, timings,
                summaries.stream().map(ShardReport::engine).distinct()
                        .collect(java.util.stream.Collectors.joining("; ")), spark.version(), spark.sparkContext().master(),
                started.toString(), Instant.now().toString(), plan.neurons(), plan.neurons() * 2L * spec.topK(),
                executors, summaries);
    }

    /** The driver's plan for one run. */
    record Plan(MapSpec spec, ModelConfig config, List<Integer> layers, List<Shard> shards, int shardSize,
                TokenTable tokens) {
        long neurons() {
            return shards.stream().mapToLong(Shard::count).sum();
        }

        List<String> watch() {
            return spec.watch().stream().map(tokens::token).toList();
        }

        List<String> matrixLabels() {
            List<String> labels = new ArrayList<>();
            for (Shard s : shards) {
                if (!labels.contains(s.matrix().label())) {
                    labels.add(s.matrix().label());
                }
            }
            return labels;
        }
    }
}
