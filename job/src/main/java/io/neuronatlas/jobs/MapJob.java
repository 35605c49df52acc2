package io.neuronatlas.jobs;

import io.neuronatlas.atlas.AtlasPublisher;
import io.neuronatlas.atlas.AtlasSchema;
import io.neuronatlas.atlas.CheckpointCatalog;
import io.neuronatlas.atlas.CheckpointEntry;
import io.neuronatlas.atlas.OutputParameters;
import io.neuronatlas.atlas.RunRecord;
import io.neuronatlas.atlas.VocabularyWriter;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.Fingerprint;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.ModelConfig;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.compute.ShardReport;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.plan.LayerSelection;
import io.neuronatlas.plan.MapOptions;
import io.neuronatlas.plan.MapSpec;
import io.neuronatlas.plan.Shard;
import io.neuronatlas.plan.ShardPlanner;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkJobInfo;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.JavaSparkStatusTracker;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * The map: plans shards on the driver from headers alone, fingerprints the checkpoint and stops there when the atlas
 * already holds its map for the same weights and parameters; else computes the shards on executors, which write
 * the tables into this run's own folders, and publishes the run in place of the checkpoint's previous map.
 */
public final class MapJob {
    private static final String COMPUTE_GROUP = "neuron-atlas-compute";
    private static final int FINGERPRINT_THREADS = Math.min(4, Runtime.getRuntime().availableProcessors());

    private final SparkSession spark;
    private final PrintStream console;

    public MapJob(SparkSession spark, PrintStream console) {
        this.spark = spark;
        this.console = console;
    }

    /** Maps the checkpoint unless it is up to date; returns the new run's record, or null when it was. */
    public RunRecord run(MapOptions options) throws IOException {
        return map(options).record();
    }

    /**
     * Maps the checkpoint when the atlas lacks it, its fingerprint or output parameters differ from the published
     * ones, or options.force() asks; else reports it up to date without running a Spark job.
     */
    public MapOutcome map(MapOptions options) throws IOException {
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        Plan plan = plan(options);
        MapSpec spec = plan.spec();
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        CheckpointCatalog catalog = new CheckpointCatalog(conf, options.atlas());
        CheckpointCatalog.RunLock lock = catalog.lock(spec.checkpoint());
        try {
            Optional<CheckpointEntry> published = catalog.read(spec.checkpoint());
            OutputParameters parameters = plan.outputParameters();
            String reason = reasonToMap(published, plan.fingerprint(), parameters, options.force());
            if (reason == null) {
                CheckpointEntry entry = published.get();
                // Whatever a killed run of this checkpoint left is no longer anyone's: tidy it now.
                new AtlasPublisher(conf, options.atlas(), spec.checkpoint(), entry.run()).deleteOtherRuns();
                double seconds = (System.nanoTime() - t0) / 1e9;
                console.printf(Locale.ROOT, "[map] %s: up to date (fingerprint %s, same parameters; run %s mapped "
                                + "at %s); nothing recomputed, %.1f s (fingerprint %.1f s)%n", spec.checkpoint(),
                        entry.fingerprint(), entry.run(), entry.mappedAt(), seconds, plan.fingerprint().seconds());
                return new MapOutcome(MapOutcome.Status.UP_TO_DATE, entry, null, "up to date", seconds);
            }
            console.printf(Locale.ROOT, "[map] %s: %s; %,d %s neurons in %d shards of up to %,d, top-%d, device "
                            + "%s (fingerprint %s: %,d MB hashed in %.1f s)%n", spec.checkpoint(), reason,
                    plan.neurons(), plan.matrixLabels(), plan.shards().size(), plan.shardSize(), spec.topK(),
                    spec.device().label(), plan.fingerprint().value(), plan.fingerprint().bytesHashed() >> 20,
                    plan.fingerprint().seconds());
            RunRecord record = compute(options, plan, started, t0);
            return new MapOutcome(MapOutcome.Status.MAPPED, plan.entry(record), record, reason,
                    (System.nanoTime() - t0) / 1e9);
        } finally {
            lock.close();
        }
    }

    /** Null when the published map is this one; else why the checkpoint must be mapped. */
    static String reasonToMap(Optional<CheckpointEntry> published, Fingerprint fingerprint,
                              OutputParameters parameters, boolean force) {
        if (published.isEmpty()) {
            return "new checkpoint";
        }
        if (force) {
            return "--force";
        }
        CheckpointEntry entry = published.get();
        if (!entry.fingerprint().equals(fingerprint.value())) {
            return "weights changed (fingerprint " + entry.fingerprint() + " -> " + fingerprint.value() + ")";
        }
        if (!entry.parameters().equals(parameters)) {
            return "parameters changed (" + entry.parameters().differences(parameters) + ")";
        }
        return null;
    }

    /** Runs the Spark job into this run's own folders and publishes them; on failure removes them. */
    private RunRecord compute(MapOptions options, Plan plan, Instant started, long t0) throws IOException {
        MapSpec spec = plan.spec();
        String runId = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(started)
                + "-" + UUID.randomUUID().toString().substring(0, 8);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        AtlasPublisher publisher = new AtlasPublisher(jsc.hadoopConfiguration(), options.atlas(), spec.checkpoint(),
                runId);
        Broadcast<TokenTable> tokens = jsc.broadcast(plan.tokens());
        int[] shardNeurons = plan.shards().stream().mapToInt(Shard::count).toArray();
        ProgressListener progress = new ProgressListener(COMPUTE_GROUP, shardNeurons, console, 2000);
        spark.sparkContext().addSparkListener(progress);
        try {
            long t1 = System.nanoTime();
            jsc.setJobGroup(COMPUTE_GROUP, "neuron-atlas map " + spec.checkpoint(), true);
            String atlas = options.atlas();
            List<ShardReport> reports = new ArrayList<>(jsc.parallelize(plan.shards(), plan.shards().size())
                    .map(shard -> ShardTask.run(shard, spec, atlas, runId, tokens.value()))
                    .collect());
            jsc.clearJobGroup();
            reports.sort((a, b) -> Integer.compare(a.shard(), b.shard()));
            publisher.checkWritten(plan.shards(), !plan.spec().watch().isEmpty());
            long t2 = System.nanoTime();

            double map = (t2 - t1) / 1e9;
            RunRecord.Timings timings = new RunRecord.Timings((t1 - t0) / 1e9, plan.fingerprint().seconds(), map, 0,
                    (t2 - t0) / 1e9, plan.neurons() / ((t2 - t0) / 1e9));
            RunRecord record = record(runId, plan, started, timings, reports);
            publisher.writeRecord(record);
            VocabularyWriter.write(jsc.hadoopConfiguration(), publisher.runFolder(AtlasSchema.TOKENS), plan.tokens());
            long t3 = System.nanoTime();
            publisher.publish(plan.entry(record));
            long t4 = System.nanoTime();
            console.printf("[map] %s: %,d neurons in %.1f s (%,.0f neurons/s; map %.1f s, publish %.1f s) into %s%n",
                    spec.checkpoint(), plan.neurons(), (t4 - t0) / 1e9, plan.neurons() / ((t4 - t0) / 1e9), map,
                    (t4 - t3) / 1e9, options.atlas());
            return record;
        } catch (IOException | RuntimeException e) {
            // Tasks of a failed job may still be running and writing; let them stop before their folders go.
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
            String stamp = checkpoint.stamp();
            List<Integer> watch = new ArrayList<>();
            for (String token : options.watch()) {
                watch.add(tokens.idOf(token).orElseThrow(() -> new IllegalArgumentException("--watch: token \""
                        + token + "\" is not in the vocabulary of " + options.modelDir() + " (tokens are text "
                        + "with their leading space, e.g. \" dog\")")));
            }
            Fingerprint fingerprint = Fingerprint.of(checkpoint, FINGERPRINT_THREADS);
            String dtype = Fingerprint.tensorsTheMapReads(checkpoint).stream().map(t -> t.dtype().toString())
                    .distinct().sorted().collect(Collectors.joining(","));
            MapSpec spec = new MapSpec(options.checkpointName(),
                    options.modelDir().toAbsolutePath().normalize().toString(), stamp, fingerprint.value(),
                    checkpoint.lmHeadTensor(), config.vocab(), config.dModel(), options.foldNorm(), options.topK(),
                    options.batchSize(), options.device(), watch);
            return new Plan(spec, config, layers, shards, shardSize, tokens, fingerprint, dtype);
        }
    }

    private boolean expectsGpu(DeviceMode mode) {
        return mode == DeviceMode.GPU || (mode == DeviceMode.AUTO
                && spark.sparkContext().conf().getDouble("spark.executor.resource.gpu.amount", 0) > 0);
    }

    private RunRecord record(String runId, Plan plan, Instant started, RunRecord.Timings timings,
                             List<ShardReport> summaries) {
        MapSpec spec = plan.spec();
        List<RunRecord.ExecutorUse> executors = RunRecord.ExecutorUse.summarize(summaries);
        RunRecord.Parameters parameters = new RunRecord.Parameters(plan.matrixLabels(), plan.layers(),
                spec.topK(), spec.foldNorm(), plan.shardSize(), spec.batchSize(), spec.device().label(),
                spec.lmHeadTensor(), List.copyOf(plan.watch()));
        return new RunRecord(runId, spec.checkpoint(), spec.fingerprint(), spec.modelDir(), plan.config(), parameters,
                timings,
                summaries.stream().map(ShardReport::engine).distinct()
                        .collect(Collectors.joining("; ")), spark.version(), spark.sparkContext().master(),
                started.toString(), Instant.now().toString(), plan.neurons(), plan.neurons() * 2L * spec.topK(),
                executors, summaries);
    }

    /** The driver's plan for one run. */
    record Plan(MapSpec spec, ModelConfig config, List<Integer> layers, List<Shard> shards, int shardSize,
                TokenTable tokens, Fingerprint fingerprint, String dtype) {
        long neurons() {
            return shards.stream().mapToLong(Shard::count).sum();
        }

        /** The checkpoints table's row naming this plan's run as the checkpoint's map. */
        CheckpointEntry entry(RunRecord record) {
            return new CheckpointEntry(spec.checkpoint(), record.runId(), fingerprint.value(), config.modelType(),
                    new CheckpointEntry.Shapes(config.layers(), config.dModel(), config.dMlp(), config.vocab()), dtype,
                    record.finishedAt(), outputParameters());
        }

        /** The parameters that decide the rows, as the checkpoints table keeps them. */
        OutputParameters outputParameters() {
            List<String> matrices = new ArrayList<>();
            for (MlpMatrix m : MlpMatrix.values()) {
                if (matrixLabels().contains(m.label())) {
                    matrices.add(m.label());
                }
            }
            return new OutputParameters(matrices, layers, spec.topK(), spec.foldNorm(), spec.lmHeadTensor(),
                    watch());
        }

        /** The watched tokens as text, in the order given. */
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
