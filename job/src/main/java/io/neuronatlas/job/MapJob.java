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
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

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
        console.printf("[map] %s: %d %s neurons in %d shards of up to %d, top-%d, device %s%n", spec.checkpoint(),
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
        JavaRDD<ShardResult> results = null;
        try {
            long t1 = System.nanoTime();
            jsc.setJobGroup(COMPUTE_GROUP, "neuron-atlas map " + spec.checkpoint(), false);
            results = jsc.parallelize(plan.shards(), plan.shards().size())
                    .map(shard -> ShardComputer.computeOnExecutor(shard, spec))
                    .persist(StorageLevel.MEMORY_AND_DISK());
            results.count();
            jsc.clearJobGroup();
            List<ShardResult.Summary> summaries = new ArrayList<>(results.map(ShardResult::summary).collect());
            summaries.sort((a, b) -> Integer.compare(a.shard(), b.shard()));
            long t2 = System.nanoTime();

            String name = spec.checkpoint();
            write(results.flatMap(r -> AtlasRows.neuronTokens(r, name, tokens.value()).iterator()),
                    AtlasSchema.NEURON_TOKENS_SCHEMA, publisher.stagingTable(AtlasSchema.NEURON_TOKENS));
            write(results.flatMap(r -> AtlasRows.neurons(r, name, tokens.value()).iterator()),
                    AtlasSchema.NEURONS_SCHEMA, publisher.stagingTable(AtlasSchema.NEURONS));
            long t3 = System.nanoTime();

            double compute = (t2 - t1) / 1e9;
            RunRecord.Timings timings = new RunRecord.Timings((t1 - t0) / 1e9, compute, (t3 - t2) / 1e9, 0,
                    (t3 - t0) / 1e9, plan.neurons() / compute);
            RunRecord record = record(runId, plan, options, started, timings, summaries);
            writeRecord(jsc, publisher, record);
            long t4 = System.nanoTime();
            publisher.publish(name, List.of(AtlasSchema.NEURON_TOKENS, AtlasSchema.NEURONS, AtlasSchema.RUNS));
            long t5 = System.nanoTime();
            console.printf("[map] %s: %,d neurons in %.1f s (compute %.1f s, %,.0f neurons/s; write %.1f s; "
                            + "publish %.1f s) into %s%n", name, plan.neurons(), (t5 - t0) / 1e9, compute,
                    timings.neuronsPerSecond(), (t3 - t2) / 1e9, (t5 - t4) / 1e9, options.atlas());
            return record;
        } catch (IOException | RuntimeException e) {
            publisher.abandon();
            throw e;
        } finally {
            jsc.clearJobGroup();
            spark.sparkContext().removeSparkListener(progress);
            if (results != null) {
                results.unpersist(false);
            }
            tokens.destroy();
        }
    }

    private void write(JavaRDD<Row> rows, StructType schema, Path target) {
        Dataset<Row> frame = spark.createDataFrame(rows, schema);
        frame.write().mode(SaveMode.ErrorIfExists).option("compression", "zstd")
                .partitionBy(AtlasSchema.PARTITION_COLUMNS).parquet(target.toString());
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
            MapSpec spec = new MapSpec(options.checkpointName(),
                    options.modelDir().toAbsolutePath().normalize().toString(), checkpoint.lmHeadTensor(),
                    config.vocab(), config.dModel(), options.foldNorm(), options.topK(), options.batchSize(),
                    options.device());
            return new Plan(spec, config, layers, shards, shardSize, tokens);
        }
    }

    private boolean expectsGpu(DeviceMode mode) {
        return mode == DeviceMode.GPU || (mode == DeviceMode.AUTO
                && spark.sparkContext().conf().getDouble("spark.executor.resource.gpu.amount", 0) > 0);
    }

    private RunRecord record(String runId, Plan plan, MapOptions options, Instant started, RunRecord.Timings timings,
                             List<ShardResult.Summary> summaries) {
        MapSpec spec = plan.spec();
        Map<String, List<ShardResult.Summary>> byExecutor = new LinkedHashMap<>();
        for (ShardResult.Summary s : summaries) {
            byExecutor.computeIfAbsent(s.executorId() + "|" + s.device(), k -> new ArrayList<>()).add(s);
        }
        List<RunRecord.ExecutorUse> executors = new ArrayList<>();
        for (List<ShardResult.Summary> list : byExecutor.values()) {
            ShardResult.Summary first = list.get(0);
            executors.add(new RunRecord.ExecutorUse(first.executorId(), first.host(), first.device(), list.size(),
                    list.stream().mapToLong(ShardResult.Summary::neurons).sum(),
                    list.stream().mapToDouble(s -> s.readSeconds() + s.computeSeconds()).sum()));
        }
        RunRecord.Parameters parameters = new RunRecord.Parameters(plan.matrixLabels(), plan.layers(),
                spec.topK(), spec.foldNorm(), plan.shardSize(), spec.batchSize(), spec.device().label(),
                spec.lmHeadTensor());
        return new RunRecord(runId, spec.checkpoint(), spec.modelDir(), plan.config(), parameters, timings,
                summaries.stream().map(ShardResult.Summary::engine).distinct()
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
