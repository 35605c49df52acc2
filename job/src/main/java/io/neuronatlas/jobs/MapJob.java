package io.neuronatlas.jobs;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.atlas.AtlasFolder;
import io.neuronatlas.atlas.CheckpointEntry;
import io.neuronatlas.atlas.MapTables;
import io.neuronatlas.atlas.OutputKind;
import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.atlas.RunRecord;
import io.neuronatlas.atlas.ShardWriter;
import io.neuronatlas.atlas.VocabularyWriter;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.Fingerprint;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.compute.MapTask;
import io.neuronatlas.compute.Shard;
import io.neuronatlas.compute.ShardReport;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.plan.MapOptions;
import io.neuronatlas.plan.MapPlan;
import io.neuronatlas.plan.MapPlanner;
import io.neuronatlas.plan.MemoryBudget;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * The map: plans shards on the driver from headers alone, fingerprints the checkpoint and stops there when the atlas
 * already holds its map for the same weights and parameters; else computes the shards on executors, which write the
 * tables into this run's own folders, and publishes the run in place of the checkpoint's previous map.
 */
public final class MapJob {

    private final SparkSession spark;
    private final PrintStream console;
    private final PublishListener listener;

    public MapJob(SparkSession spark, PrintStream console) {
        this(spark, console, PublishListener.NONE);
    }

    public MapJob(SparkSession spark, PrintStream console, PublishListener listener) {
        this.spark = spark;
        this.console = console;
        this.listener = listener;
    }

    /**
     * Maps the checkpoint when the atlas lacks it, its fingerprint or output parameters differ from the published
     * ones, or options.force() asks; else reports it up to date without running a Spark job.
     */
    public MapOutcome map(MapOptions options) throws IOException {
        if (options.atlas() == null) {
            throw new IllegalArgumentException("--out is required: the atlas folder to write");
        }
        AtlasFolder.check(spark.sparkContext().hadoopConfiguration(), options.atlas(), options.modelDir());
        long t0 = System.nanoTime();
        MapPlan plan;
        Fingerprint fingerprint;
        try (Checkpoint checkpoint = Checkpoint.open(options.modelDir())) {
            boolean gpus = DeviceRule.plansForGpu(options.device(), spark.sparkContext().conf());
            plan = MapPlanner.plan(checkpoint, options, gpus, MemoryBudget.of(spark.sparkContext().conf(), gpus));
            fingerprint = AtlasWrite.fingerprint(checkpoint);
        }
        try (AtlasWrite write = AtlasWrite.begin(spark, options.atlas(), OutputKind.MAP, plan.checkpoint(),
                listener)) {
            AtlasWrite.Decision<CheckpointEntry> decision = write.decide("", CheckpointEntry.class,
                    fingerprint.value(), plan.outputParameters(), options.force());
            if (!decision.upToDate() && decision.published().isPresent() && !options.force()
                    && !decision.entry().fingerprint().equals(fingerprint.value())) {
                // Published, and the fingerprint says what: name the part that changed.
                decision = decision.because(whatChanged(write, decision.entry(), fingerprint));
            }
            String reason = decision.reason();
            if (decision.upToDate()) {
                CheckpointEntry entry = decision.entry();
                double seconds = (System.nanoTime() - t0) / 1e9;
                console.printf(Locale.ROOT, "[map] %s: up to date (fingerprint %s, same parameters; run %s mapped "
                                + "at %s); nothing recomputed, %.1f s (fingerprint %.1f s)%n", plan.checkpoint(),
                        entry.fingerprint(), entry.run(), entry.mappedAt(), seconds, fingerprint.seconds());
                return new MapOutcome(MapOutcome.Status.UP_TO_DATE, entry, null, "up to date", seconds);
            }
            console.printf(Locale.ROOT, "[map] %s: %s; %,d %s neurons in %d shards of up to %,d, top-%d, device "
                            + "%s (fingerprint %s: %,d MB hashed in %.1f s)%n", plan.checkpoint(), reason,
                    plan.neurons(), plan.matrixLabels(), plan.shards().size(), plan.shardSize(),
                    options.topK(), options.device().label(), fingerprint.value(),
                    fingerprint.bytesHashed() >> 20, fingerprint.seconds());
            Mapped mapped = write.run(run -> compute(plan, fingerprint, run, t0));
            console.printf(Locale.ROOT, "[map] %s: %,d neurons in %.1f s (%,.0f neurons/s; map %.1f s, token "
                            + "index %.1f s, layer scores %.1f s, publish %.1f s) into %s%n", plan.checkpoint(),
                    plan.neurons(), seconds(t0), plan.neurons() / seconds(t0), mapped.record().timings().mapSeconds(),
                    mapped.indexSeconds(), mapped.layerScoresSeconds(), seconds(mapped.publishStarted()),
                    options.atlas());
            return new MapOutcome(MapOutcome.Status.MAPPED, mapped.entry(), mapped.record(), reason, seconds(t0));
        }
    }

    /**
     * "tokenizer.json changed (fingerprint A -> B)", from the parts of the fingerprint the published run recorded;
     * "checkpoint changed" when that run recorded none.
     */
    private static String whatChanged(AtlasWrite write, CheckpointEntry published, Fingerprint now)
            throws IOException {
        Map<String, String> before = null;
        Optional<String> record = write.publishedRecord(published);
        if (record.isPresent()) {
            try {
                ObjectMapper json = new ObjectMapper();
                JsonNode parts = json.readTree(record.get()).get("fingerprintParts");
                if (parts != null && parts.isObject()) {
                    before = json.convertValue(parts, new TypeReference<Map<String, String>>() { });
                }
            } catch (IOException | IllegalArgumentException e) {
                before = null; // an unreadable record says nothing about the parts
            }
        }
        String changed = Fingerprint.changed(before, now.parts());
        return (changed == null ? "checkpoint changed" : changed) + " (fingerprint " + published.fingerprint()
                + " -> " + now.value() + ")";
    }

    /**
     * What the map run returns: its record and entry, the seconds its token_neurons job and its layer_scores file
     * took and when publishing began (for the console).
     */
    private record Mapped(RunRecord record, CheckpointEntry entry, double indexSeconds, double layerScoresSeconds,
                          long publishStarted) {
    }

    /** The run's Spark job: one task per shard; then the driver's own files. */
    private AtlasWrite.Outcome<Mapped> compute(MapPlan plan, Fingerprint fingerprint, AtlasWrite.Run run, long t0)
            throws IOException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        MapTask task = plan.task(fingerprint.value());
        String atlas = plan.options().atlas();
        String runId = run.id();
        Broadcast<TokenTable> tokens = jsc.broadcast(plan.tokens());
        ProgressListener progress = new ProgressListener(run.jobGroup(),
                plan.shards().stream().mapToInt(Shard::count).toArray(), console, 2000);
        spark.sparkContext().addSparkListener(progress);
        try {
            long t1 = System.nanoTime();
            List<ShardReport> reports = new ArrayList<>(jsc.parallelize(plan.shards(), plan.shards().size())
                    .map(shard -> ShardTask.run(shard, task, atlas, runId, tokens.value()))
                    .collect());
            reports.sort((a, b) -> Integer.compare(a.shard(), b.shard()));
            List<String> files = new ArrayList<>();
            for (Shard shard : plan.shards()) {
                files.addAll(ShardWriter.committedFiles(plan.checkpoint(), runId, shard,
                        !task.watchTokenIds().isEmpty()));
            }
            run.checkCommitted(files);
            long t2 = System.nanoTime();
            run.checkCommitted(TokenNeuronsIndex.write(spark, atlas, plan.checkpoint(), runId, plan.shards(),
                    plan.tokens().size()));
            double indexSeconds = seconds(t2);
            long t3 = System.nanoTime();
            run.checkCommitted(LayerScoresIndex.write(spark, atlas, plan.checkpoint(), runId, plan.shards()));
            double layerScoresSeconds = seconds(t3);
            RunRecord.Timings timings = new RunRecord.Timings((t1 - t0) / 1e9, fingerprint.seconds(),
                    (t2 - t1) / 1e9, 0, (t2 - t0) / 1e9, plan.neurons() / ((t2 - t0) / 1e9));
            RunRecord record = record(plan, fingerprint, run, timings, reports);
            VocabularyWriter.write(jsc.hadoopConfiguration(), run.folder(MapTables.TOKENS), plan.tokens());
            CheckpointEntry entry = plan.entry(runId, fingerprint.value(), record.finishedAt());
            return new AtlasWrite.Outcome<>(entry, record.toJson(), new Mapped(record, entry, indexSeconds,
                    layerScoresSeconds, System.nanoTime()));
        } finally {
            spark.sparkContext().removeSparkListener(progress);
            tokens.destroy();
        }
    }

    private RunRecord record(MapPlan plan, Fingerprint fingerprint, AtlasWrite.Run run, RunRecord.Timings timings,
                             List<ShardReport> reports) {
        MapOptions options = plan.options();
        RunRecord.Parameters parameters = RunRecord.Parameters.of(plan.outputParameters(), plan.shardSize(),
                options.batchSize(), options.device().label());
        String engines = reports.stream().map(ShardReport::engine).distinct().collect(Collectors.joining("; "));
        return new RunRecord(run.id(), plan.checkpoint(), fingerprint.value(), plan.modelDir(), plan.config(),
                parameters, timings, engines, spark.version(), spark.sparkContext().master(),
                run.startedAt().toString(), Instant.now().toString(), plan.neurons(),
                plan.neurons() * 2L * options.topK(), RunRecord.ExecutorUse.summarize(reports), reports,
                fingerprint.parts());
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
