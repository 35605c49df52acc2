package io.neuronatlas.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.neuronatlas.atlas.Catalog;
import io.neuronatlas.atlas.CheckpointEntry;
import io.neuronatlas.atlas.DriftEntry;
import io.neuronatlas.atlas.DriftParameters;
import io.neuronatlas.atlas.OutputKind;
import io.neuronatlas.atlas.OutputParameters;
import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.atlas.RunPublisher;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.Fingerprint;
import io.neuronatlas.checkpoint.ModelConfig;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.compute.DriftTask;
import io.neuronatlas.compute.Shard;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.plan.MapOptions;
import io.neuronatlas.plan.MapPlan;
import io.neuronatlas.plan.MapPlanner;
import io.neuronatlas.plan.MemoryBudget;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * The drift job's driver: checks that the two checkpoints have the same shapes and vocabulary before anything runs,
 * plans the base's map again (its matrices, layers, top-k and folding), and runs one task per shard that reads both
 * checkpoints' neurons and writes their neuron_drift rows; published through {@link AtlasWrite} per checkpoint with
 * the base as subject.
 */
public final class DriftJob {
    private final SparkSession spark;
    private final PrintStream console;

    public DriftJob(SparkSession spark, PrintStream console) {
        this.spark = spark;
        this.console = console;
    }

    public DriftOutcome drift(DriftOptions options) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        CheckpointEntry base = published(conf, options.atlas(), options.base());
        Path baseDir = modelDir(conf, options.atlas(), base);
        Path otherDir = options.model() != null ? options.model()
                : modelDir(conf, options.atlas(), published(conf, options.atlas(), options.checkpoint()));
        OutputParameters mapped = base.parameters();
        DriftParameters parameters = new DriftParameters(options.base(), mapped.matrices(), mapped.layers(),
                mapped.topK(), mapped.foldNorm());
        MapPlan basePlan;
        MapPlan plan;
        String fingerprint;
        String otherFingerprint;
        try (Checkpoint a = Checkpoint.open(baseDir); Checkpoint b = Checkpoint.open(otherDir)) {
            sameShapes(options, a.config(), b.config());
            TokenTable tokens = a.tokens();
            sameVocabulary(options, tokens, b.tokens());
            boolean gpus = DeviceRule.plansForGpu(options.device(), spark.sparkContext().conf());
            MemoryBudget memory = MemoryBudget.of(spark.sparkContext().conf(), gpus);
            basePlan = MapPlanner.plan(a, mapOptions(options, baseDir, options.base(), mapped), gpus, memory);
            plan = MapPlanner.plan(b, mapOptions(options, otherDir, options.checkpoint(), mapped), gpus, memory);
            Fingerprint baseFingerprint = AtlasWrite.fingerprint(a);
            if (!baseFingerprint.value().equals(base.fingerprint())) {
                throw new IllegalArgumentException("base '" + options.base() + "': the weights in " + baseDir
                        + " changed since its map (fingerprint " + base.fingerprint() + " -> "
                        + baseFingerprint.value() + "); map it again first");
            }
            otherFingerprint = AtlasWrite.fingerprint(b).value();
            fingerprint = baseFingerprint.value() + "+" + otherFingerprint;
        }
        try (AtlasWrite write = AtlasWrite.begin(spark, options.atlas(), OutputKind.DRIFT, options.checkpoint(),
                PublishListener.NONE)) {
            AtlasWrite.Decision<DriftEntry> decision = write.decide(options.base(), DriftEntry.class, fingerprint,
                    parameters, options.force());
            if (decision.upToDate()) {
                console.printf("[drift] %s against %s: up to date (run %s)%n", options.checkpoint(), options.base(),
                        decision.entry().run());
                return new DriftOutcome(decision.entry(), "up to date", false);
            }
            String reason = decision.reason();
            console.printf(Locale.ROOT, "[drift] %s against %s: %s; %,d %s neurons in %d shards%n",
                    options.checkpoint(), options.base(), reason, basePlan.neurons(), basePlan.matrixLabels(),
                    basePlan.shards().size());
            DriftTask task = new DriftTask(basePlan.task(base.fingerprint()), plan.task(otherFingerprint));
            String fp = fingerprint;
            DriftEntry entry = write.run(run -> {
                JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
                String atlas = options.atlas();
                String runId = run.id();
                Broadcast<TokenTable> tokens = jsc.broadcast(basePlan.tokens());
                try {
                    long rows = jsc.parallelize(basePlan.shards(), basePlan.shards().size())
                            .map(shard -> DriftShardTask.run(shard, task, atlas, runId, tokens.value()))
                            .reduce(Long::sum);
                    run.checkCommitted(basePlan.shards().stream()
                            .map(s -> DriftShardTask.committedFile(options.checkpoint(), runId, s)).toList());
                    DriftEntry done = new DriftEntry(options.checkpoint(), options.base(), runId, fp,
                            Instant.now().toString(), parameters);
                    ObjectNode record = new ObjectMapper().createObjectNode().put("runId", runId)
                            .put("base", options.base())
                            .put("baseModelDir", baseDir.toString()).put("modelDir", otherDir.toString())
                            .put("fingerprint", fp).put("neurons", rows).put("startedAt", run.startedAt().toString())
                            .put("finishedAt", done.comparedAt());
                    return new AtlasWrite.Outcome<>(done, record.toString(), done);
                } finally {
                    tokens.destroy();
                }
            });
            console.printf(Locale.ROOT, "[drift] %s against %s: %,d neurons compared into %s%n", options.checkpoint(),
                    options.base(), basePlan.neurons(), options.atlas());
            return new DriftOutcome(entry, reason, true);
        }
    }

    private static CheckpointEntry published(Configuration conf, String atlas, String name) throws IOException {
        Catalog catalog = new Catalog(conf, atlas, OutputKind.MAP);
        return catalog.read(name, "", CheckpointEntry.class).orElseThrow(() -> new IllegalArgumentException(
                "checkpoint '" + name + "' has no published map in " + atlas + " (drift compares with the base's map: "
                        + "'neuron-atlas map --out " + atlas + " --checkpoint " + name + " --model DIR' first)"));
    }

    /** The model folder the published map of a checkpoint read, from its run record. */
    private static Path modelDir(Configuration conf, String atlas, CheckpointEntry entry) throws IOException {
        String record = RunPublisher.readRecord(conf, atlas, OutputKind.MAP, entry.checkpoint(), entry.run())
                .orElseThrow(() -> new IOException(atlas + ": the run record of checkpoint '" + entry.checkpoint()
                        + "' (run " + entry.run() + ") is missing; map it again"));
        return Path.of(new ObjectMapper().readTree(record).get("modelDir").asText());
    }

    /** The base map's parameters, for planning either checkpoint the way the base was mapped. */
    private static MapOptions mapOptions(DriftOptions options, Path dir, String name, OutputParameters mapped) {
        return MapOptions.builder(dir, options.atlas()).checkpoint(name).matrices(String.join(",", mapped.matrices()))
                .layers(mapped.layers().stream().map(String::valueOf).collect(Collectors.joining(",")))
                .topK(mapped.topK()).foldNorm(mapped.foldNorm()).device(options.device()).build();
    }

    private static void sameShapes(DriftOptions options, ModelConfig a, ModelConfig b) {
        if (a.experts().count() > 0 || b.experts().count() > 0) {
            throw new IllegalArgumentException("drift compares dense MLPs; " + (a.experts().count() > 0
                    ? options.base() : options.checkpoint()) + " is a mixture of experts");
        }
        List<String> differences = new java.util.ArrayList<>();
        int[][] pairs = {{a.layers(), b.layers()}, {a.dModel(), b.dModel()}, {a.dMlp(), b.dMlp()},
            {a.vocab(), b.vocab()}};
        String[] names = {"layers", "d_model", "d_mlp", "vocab"};
        for (int i = 0; i < pairs.length; i++) {
            if (pairs[i][0] != pairs[i][1]) {
                differences.add(names[i] + " " + pairs[i][0] + " vs " + pairs[i][1]);
            }
        }
        if (!differences.isEmpty()) {
            throw new IllegalArgumentException("drift compares checkpoints of the same shapes: " + options.base()
                    + " and " + options.checkpoint() + " differ in " + String.join(", ", differences));
        }
    }

    /** Refuses vocabularies that differ, naming the first id whose token differs. */
    static void sameVocabulary(DriftOptions options, TokenTable a, TokenTable b) {
        int common = Math.min(a.size(), b.size());
        for (int id = 0; id < common; id++) {
            if (!a.token(id).equals(b.token(id))) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "drift needs the same vocabulary: token "
                        + "id %d is \"%s\" in %s but \"%s\" in %s", id, a.token(id), options.base(), b.token(id),
                        options.checkpoint()));
            }
        }
        if (a.size() != b.size()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "drift needs the same vocabulary: token "
                    + "id %d exists in %s only (%d tokens vs %d)", common, a.size() > b.size() ? options.base()
                    : options.checkpoint(), a.size(), b.size()));
        }
    }
}
