package io.neuronatlas.jobs;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.atlas.AtlasFolder;
import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.atlas.Catalog;
import io.neuronatlas.atlas.CheckpointEntry;
import io.neuronatlas.atlas.ExamplesEntry;
import io.neuronatlas.atlas.ExamplesParameters;
import io.neuronatlas.atlas.ExamplesWriter;
import io.neuronatlas.atlas.MapTables;
import io.neuronatlas.atlas.OutputKind;
import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.CheckpointRef;
import io.neuronatlas.checkpoint.Fingerprint;
import io.neuronatlas.checkpoint.ForwardConfig;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.compute.examples.Example;
import io.neuronatlas.compute.examples.ExampleSettings;
import io.neuronatlas.compute.examples.MemoryBound;
import io.neuronatlas.compute.examples.NeuronBlock;
import io.neuronatlas.compute.examples.NeuronSummary;
import io.neuronatlas.corpus.Corpus;
import io.neuronatlas.corpus.CorpusDocument;
import io.neuronatlas.corpus.CorpusException;
import io.neuronatlas.plan.LayerSelection;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The examples run: what text fires each neuron. The driver resolves and fingerprints the corpus and the checkpoint
 * and stops when the published examples were made from the same weights, corpus and parameters. Else one Spark task
 * per corpus partition segments its documents, runs them through the model in batches, and keeps every neuron's top
 * examples, sample and statistics ({@link io.neuronatlas.compute.examples.ExampleFinder}); tasks' blocks of neurons
 * are merged by key (the merge is exact and order-free, so the tables are the same for any partitioning), the
 * agreement with the checkpoint's published map is computed by a join, and each merged block is written by one task.
 * The run is published through {@link AtlasWrite} like every atlas output.
 */
public final class ExamplesJob {
    /** Neurons per merged and written block: one file per table and block. */
    static final int BLOCK_SIZE = 1024;

    private final SparkSession spark;
    private final PrintStream console;
    private final PublishListener listener;

    public ExamplesJob(SparkSession spark, PrintStream console) {
        this(spark, console, PublishListener.NONE);
    }

    public ExamplesJob(SparkSession spark, PrintStream console, PublishListener listener) {
        this.spark = spark;
        this.console = console;
        this.listener = listener;
    }

    public ExamplesOutcome examine(ExamplesOptions o) throws IOException {
        long t0 = System.nanoTime();
        var conf = spark.sparkContext().hadoopConfiguration();
        AtlasFolder.check(conf, o.atlas(), o.modelDir());
        String name = o.checkpoint();
        CheckpointRef source;
        ForwardConfig config;
        Fingerprint fingerprint;
        TokenTable tokens;
        List<Integer> layers;
        try (Checkpoint checkpoint = Checkpoint.open(o.modelDir())) {
            config = ForwardConfig.read(checkpoint.dir().resolve(Checkpoint.CONFIG));
            layers = LayerSelection.parse(o.layers(), config.model().layers());
            fingerprint = AtlasWrite.fingerprint(checkpoint);
            source = new CheckpointRef(o.modelDir().toAbsolutePath().toString(), checkpoint.stamp(),
                    fingerprint.value());
            tokens = checkpoint.tokens();
        }
        Corpus corpus = Corpus.resolve(conf, o.corpus());
        Optional<CheckpointEntry> map = new Catalog(conf, o.atlas(), OutputKind.MAP).read(name, "",
                CheckpointEntry.class);
        String mapRun = map.filter(m -> m.fingerprint().equals(fingerprint.value())).map(CheckpointEntry::run)
                .orElse(null);
        ExamplesParameters parameters = new ExamplesParameters(corpus.keys(), corpus.fingerprint(), o.textColumn(),
                o.idField().name(), layers, o.segment(), o.top(), o.sample(), o.maxTokens(), o.precision().label(), mapRun);
        ExampleSettings settings = new ExampleSettings(layers.stream().mapToInt(Integer::intValue).toArray(),
                layers.stream().map(config.model()::mlpBlocks).toList(), o.segment(), o.top(), o.sample(), ExampleSettings.BEFORE,
                ExampleSettings.AFTER, o.batchSize());
        ExamplesPlan plan = new ExamplesPlan(source, config.model().vocab(), o.precision(), o.device(), settings,
                corpus, BLOCK_SIZE, null);
        String subject = ExamplesEntry.subject(layers, config.model().layers());
        try (AtlasWrite write = AtlasWrite.begin(spark, o.atlas(), OutputKind.EXAMPLES, name, listener)) {
            AtlasWrite.Decision<ExamplesEntry> decision = write.decide(subject, ExamplesEntry.class,
                    fingerprint.value(), parameters, o.force());
            String reason = decision.reason();
            if (decision.upToDate()) {
                ExamplesEntry entry = decision.entry();
                double seconds = (System.nanoTime() - t0) / 1e9;
                console.printf(Locale.ROOT, "[examples] %s: up to date (fingerprint %s, corpus %s, same parameters; "
                        + "run %s examined at %s); nothing recomputed, %.1f s%n", name, entry.fingerprint(),
                        entry.parameters().corpusFingerprint(), entry.run(), entry.examinedAt(), seconds);
                return new ExamplesOutcome(false, entry, "up to date", null, seconds);
            }
            MemoryBound bound = MemoryBound.of(settings);
            console.printf(Locale.ROOT, "[examples] %s: %s; %d layers, %,d neurons%s, %d corpus files (%s), segments "
                            + "of %d, top %d per sign%s; task state up to %s%s%n", name, reason, layers.size(),
                    settings.neurons(), config.model().experts().any() ? " (experts' neurons seen only at the tokens "
                            + "routed to them)" : "", corpus.files().size(), corpus.fingerprint(), o.segment(), o.top(),
                    o.maxTokens() > 0 ? String.format(Locale.ROOT, ", the first %,d tokens", o.maxTokens()) : "",
                    bound.describe(), mapRun == null ? "; no map of these weights in the atlas: agreement left "
                            + "null" : "");
            String why = reason;
            Result result = write.run(run -> compute(o, name, subject, plan, parameters, fingerprint, tokens, run, t0,
                    why));
            ExamplesEntry entry = result.entry();
            console.printf(Locale.ROOT, "[examples] %s: %,d tokens of %,d documents (%,d empty skipped) in %.1f s "
                            + "(%,.0f tokens/s) into %s%n", name, entry.tokens(), entry.documents(), result.empty(),
                    seconds(t0), entry.tokens() / seconds(t0), o.atlas());
            return new ExamplesOutcome(true, entry, reason, result.record(), seconds(t0));
        }
    }

    private record Result(ExamplesEntry entry, String record, long empty) {
    }

    private AtlasWrite.Outcome<Result> compute(ExamplesOptions o, String name, String subject, ExamplesPlan planned,
                                               ExamplesParameters parameters, Fingerprint fingerprint,
                                               TokenTable tokenTable, AtlasWrite.Run run, long t0, String reason)
            throws IOException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<CorpusDocument> documents = CorpusReader.documents(spark, planned.corpus(), o.textColumn(),
                o.idField());
        long t1 = System.nanoTime();
        ExamplesPlan plan = o.maxTokens() > 0 ? planned.withCutoff(cutoff(documents, planned, o.maxTokens()))
                : planned;
        JavaPairRDD<String, Serializable> merged = documents
                .mapPartitionsWithIndex((i, it) -> ExamplesTask.run(i, it, plan), false)
                .mapToPair(t -> t)
                .reduceByKey(ExamplesJob::merge, Math.max(1, plan.blocks()))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            List<PartitionReport> reports = new ArrayList<>();
            for (Serializable s : merged.filter(t -> t._1().startsWith("report/")).values().collect()) {
                reports.add((PartitionReport) s);
            }
            reports.sort(Comparator.comparingInt(PartitionReport::partition));
            long docs = reports.stream().mapToLong(PartitionReport::documents).sum();
            long empty = reports.stream().mapToLong(PartitionReport::emptyDocuments).sum();
            long tokens = reports.stream().mapToLong(PartitionReport::tokens).sum();
            if (tokens == 0) {
                throw new CorpusException("the corpus " + plan.corpus().keys() + " has no document with text ("
                        + empty + " empty documents skipped); nothing to examine");
            }
            long t2 = System.nanoTime();
            JavaRDD<Tuple2<String, List<NeuronSummary>>> summaries = merged
                    .filter(t -> !t._1().startsWith("report/"))
                    .map(t -> new Tuple2<>(t._1(), NeuronSummary.of((NeuronBlock) t._2())));
            Map<String, ExamplesWriter.Agreement> agreement = parameters.mapRun() == null ? Map.of()
                    : agreement(o.atlas(), name, parameters.mapRun(), summaries);
            Broadcast<TokenTable> tokenB = jsc.broadcast(tokenTable);
            Broadcast<Map<String, ExamplesWriter.Agreement>> agreementB = jsc.broadcast(agreement);
            String atlas = o.atlas();
            String runId = run.id();
            List<String> written = summaries.map(t -> {
                String[] key = t._1().split("/");
                int layer = Integer.parseInt(key[0]);
                int block = Integer.parseInt(key[1]);
                long attempt = org.apache.spark.TaskContext.get().taskAttemptId();
                ExamplesWriter.write(SparkTasks.hadoopConf(), atlas, name, runId, layer, block, attempt, t._2(),
                        tokenB.value(), agreementB.value());
                return t._1();
            }).collect();
            tokenB.destroy();
            agreementB.destroy();
            List<String> files = new ArrayList<>();
            for (int i = 0; i < plan.settings().layers().length; i++) {
                for (int b = 0; b < plan.blocks(i); b++) {
                    files.addAll(ExamplesWriter.files(name, runId, plan.settings().layers()[i], b));
                }
            }
            if (written.size() * 2 != files.size()) {
                throw new IllegalStateException("wrote " + written.size() + " blocks of " + files.size() / 2);
            }
            run.checkCommitted(files);
            long t3 = System.nanoTime();
            String finished = Instant.now().toString();
            ExamplesEntry entry = new ExamplesEntry(name, subject, runId, fingerprint.value(), finished, tokens, docs,
                    parameters);
            Record record = new Record(runId, name, fingerprint.value(), plan.source().modelDir(),
                    plan.corpus().files(), plan.corpus().fingerprint(), parameters, reason, o.batchSize(),
                    o.device().label(), docs, empty, tokens, reports.stream().mapToLong(PartitionReport::segments)
                    .sum(), plan.cutoff(), (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, (t3 - t0) / 1e9,
                    tokens / ((t3 - t1) / 1e9), MemoryBound.of(plan.settings()).bytes(), reports.stream().mapToLong(PartitionReport::peakRssBytes).max().orElse(-1), reports,
                    spark.version(), spark.sparkContext().master(), run.startedAt().toString(), finished);
            return new AtlasWrite.Outcome<>(entry, record.toJson(), new Result(entry, record.toJson(), empty));
        } finally {
            merged.unpersist(false);
        }
    }

    /**
     * What an examples run did, kept as example_runs/checkpoint=NAME/run=RUN/run.json (one JSON line).
     *
     * @param memoryBoundBytes the bound on one task's example state ({@link MemoryBound})
     */
    @JsonIgnoreProperties({"checkpoint"})
    record Record(String runId, String checkpoint, String fingerprint, String modelDir, List<Corpus.CorpusFile> corpus,
                  String corpusFingerprint, ExamplesParameters parameters, String reason, int batchSize,
                  String device, long documents, long emptyDocuments, long tokens, long segments,
                  ExamplesPlan.Cutoff cutoff, double planSeconds, double examineSeconds, double writeSeconds,
                  double totalSeconds, double tokensPerSecond, long memoryBoundBytes, long peakRssBytes,
                  List<PartitionReport> partitions, String sparkVersion, String sparkMaster, String startedAt,
                  String finishedAt) {
        String toJson() {
            try {
                return new ObjectMapper().writeValueAsString(this);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static Serializable merge(Serializable a, Serializable b) {
        if (a instanceof NeuronBlock x && b instanceof NeuronBlock y) {
            return x.merge(y);
        }
        // Reports have one key per partition: a recomputed partition's report replaces the lost one.
        return a;
    }

    /**
     * With --max-tokens: the first documents in corpus order (files in order, documents by their id in the file)
     * whose text tokens add up to the bound; the document that crosses it is cut there. Each task counts its
     * partition's tokens (tokenizing only) up to the bound, which is enough: no document after a partition's first
     * bound tokens can be among the corpus's first bound tokens.
     */
    private ExamplesPlan.Cutoff cutoff(JavaRDD<CorpusDocument> documents, ExamplesPlan plan, long maxTokens) {
        List<long[]> counts = new ArrayList<>(documents.mapPartitions(it -> ExamplesTask.countTokens(it, plan,
                maxTokens)).collect());
        counts.sort(Comparator.<long[]>comparingLong(c -> c[0]).thenComparingLong(c -> c[1]));
        long total = 0;
        for (long[] c : counts) {
            if (total + c[2] >= maxTokens) {
                return new ExamplesPlan.Cutoff((int) c[0], c[1], maxTokens - total);
            }
            total += c[2];
        }
        return null; // the corpus is shorter than the bound: all of it
    }

    /**
     * Per neuron, the share of its max (and min) examples whose extreme token is among its gate or up top tokens of
     * the published map (either polarity: what it reads), and whose next token is among its down top tokens of the
     * polarity its sign writes ('+' for max examples, '-' for min: what it writes). Examples ending their window have
     * no next token and are left out of the write share. An expert's neuron is matched with the same expert's row of
     * the map (the expert column, null for a dense MLP on both sides).
     */
    private Map<String, ExamplesWriter.Agreement> agreement(String atlas, String checkpoint, String mapRun,
                                                          JavaRDD<Tuple2<String, List<NeuronSummary>>> summaries) {
        StructType schema = new StructType().add("layer", DataTypes.IntegerType, false)
                .add("expert", DataTypes.StringType, true).add("neuron", DataTypes.IntegerType, false).add("kind", DataTypes.StringType, false)
                .add("token_id", DataTypes.IntegerType, false).add("next_token_id", DataTypes.IntegerType, true);
        JavaRDD<Row> rows = summaries.flatMap(t -> {
            List<Row> out = new ArrayList<>();
            for (NeuronSummary s : t._2()) {
                for (Example e : s.largest()) {
                    out.add(RowFactory.create(s.layer(), s.expert(), s.neuron(), "max", e.token(), next(e)));
                }
                for (Example e : s.smallest()) {
                    out.add(RowFactory.create(s.layer(), s.expert(), s.neuron(), "min", e.token(), next(e)));
                }
            }
            return out.iterator();
        });
        spark.createDataFrame(rows, schema).createOrReplaceTempView("examples_agreement_candidates");
        String table = atlas + "/" + MapTables.NEURON_TOKENS;
        Dataset<Row> tokens = spark.read().option("basePath", table)
                .parquet(table + "/" + AtlasPaths.runPath(checkpoint, mapRun));
        tokens.createOrReplaceTempView("examples_agreement_map");
        Dataset<Row> shares = spark.sql("""
                WITH map AS (SELECT CAST(layer AS INT) AS layer, expert, neuron, matrix, polarity, token_id
                             FROM examples_agreement_map),
                     reads AS (SELECT DISTINCT layer, expert, neuron, token_id FROM map
                               WHERE matrix IN ('gate', 'up')),
                     writes AS (SELECT DISTINCT layer, expert, neuron, polarity, token_id FROM map
                                WHERE matrix = 'down'),
                     mapped AS (SELECT DISTINCT layer, expert, neuron FROM map)
                SELECT e.layer, e.expert, e.neuron, e.kind,
                       avg(CASE WHEN r.token_id IS NOT NULL THEN 1.0 ELSE 0.0 END) AS read_share,
                       avg(CASE WHEN e.next_token_id IS NULL THEN NULL WHEN w.token_id IS NOT NULL THEN 1.0
                                ELSE 0.0 END) AS write_share
                FROM examples_agreement_candidates e
                  JOIN mapped m ON m.layer = e.layer AND m.expert <=> e.expert AND m.neuron = e.neuron
                  LEFT JOIN reads r ON r.layer = e.layer AND r.expert <=> e.expert AND r.neuron = e.neuron
                       AND r.token_id = e.token_id
                  LEFT JOIN writes w ON w.layer = e.layer AND w.expert <=> e.expert AND w.neuron = e.neuron
                       AND w.token_id = e.next_token_id AND w.polarity = CASE e.kind WHEN 'max' THEN '+' ELSE '-' END
                GROUP BY e.layer, e.expert, e.neuron, e.kind""");
        Map<String, Double[]> parts = new HashMap<>();
        for (Row r : shares.collectAsList()) {
            Double[] a = parts.computeIfAbsent(ExamplesWriter.key(r.getInt(0), r.getString(1), r.getInt(2)),
                    k -> new Double[4]);
            int at = r.getString(3).equals("max") ? 0 : 2;
            a[at] = r.isNullAt(4) ? null : ((java.math.BigDecimal) r.get(4)).doubleValue();
            a[at + 1] = r.isNullAt(5) ? null : ((java.math.BigDecimal) r.get(5)).doubleValue();
        }
        spark.catalog().dropTempView("examples_agreement_candidates");
        spark.catalog().dropTempView("examples_agreement_map");
        Map<String, ExamplesWriter.Agreement> out = new HashMap<>();
        parts.forEach((k, a) -> out.put(k, new ExamplesWriter.Agreement(a[0], a[1], a[2], a[3])));
        return out;
    }

    private static Integer next(Example e) {
        int n = e.nextToken();
        return n < 0 ? null : n;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
