package io.neuronatlas.bench;

import io.neuronatlas.atlas.CheckpointEntry;
import io.neuronatlas.atlas.MapTables;
import io.neuronatlas.atlas.OutputKind;
import io.neuronatlas.atlas.OutputParameters;
import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.atlas.RunRecord;
import io.neuronatlas.atlas.ShardWriter;
import io.neuronatlas.atlas.TokenLayout;
import io.neuronatlas.atlas.VocabularyWriter;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.ModelConfig;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.compute.CensusRule;
import io.neuronatlas.compute.Shard;
import io.neuronatlas.compute.projection.BatchResult;
import io.neuronatlas.jobs.AtlasWrite;
import io.neuronatlas.jobs.LayerScoresIndex;
import io.neuronatlas.jobs.TokenNeuronsIndex;
import io.neuronatlas.plan.ShardPlanner;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * An atlas of a model's size with generated rows instead of projections, for the query benchmark: no model, no
 * projection, but the map's planner, ShardWriter and atlas write path, so the files have the map's layout.
 *
 * <p>Token ids follow a Zipf law (exponent 1) over a shuffled vocabulary: in real maps a few tokens are in the top
 * tokens of thousands of neurons and most in a handful, and frequent ids are scattered over the id range.
 * Scores fall off with rank from a per-neuron maximum drawn from a log-normal; probabilities follow from them.
 *
 * @param dMlp       neurons per matrix and layer
 * @param shardSize  neurons per file, as the map's planner would choose
 */
public record SyntheticAtlas(String checkpoint, int layers, int dMlp, int topK, int shardSize, long seed,
                             TokenLayout layout) implements Serializable {
    /** A Llama-shaped atlas has all three matrices. */
    static final List<MlpMatrix> MATRICES = List.of(MlpMatrix.values());

    public SyntheticAtlas {
        if (layers < 1 || dMlp < 1 || topK < 1 || shardSize < 1) {
            throw new IllegalArgumentException("layers, d_mlp, top-k and shard size must be positive");
        }
    }

    public long neurons() {
        return 3L * layers * dMlp;
    }

    public long neuronTokenRows() {
        return neurons() * 2 * topK;
    }

    /** The model whose size the atlas has: only the shapes the map's planner and the tables use. */
    ModelConfig config(int vocab) {
        return new ModelConfig("synthetic", 1, dMlp, layers, vocab, false, "generated");
    }

    /** The shards of every matrix and layer, as the map's planner cuts them. */
    public List<Shard> shards() {
        return ShardPlanner.plan(config(1), MATRICES,
                IntStream.range(0, layers).boxed().toList(), shardSize);
    }

    /**
     * Generates and publishes the atlas's tables for this checkpoint, one Spark task per shard, through the atlas
     * write path every job uses (run folders, run record, atomic publish). Returns the seconds its layer_scores file
     * took (0 in the plain layout, which has none), what the map's console line calls "layer scores".
     */
    public double write(SparkSession spark, String atlas, TokenTable tokens) throws IOException {
        double[] layerScoresSeconds = {0};
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        SyntheticAtlas self = this;
        List<Shard> shards = shards();
        String fingerprint = "synthetic-seed-" + seed;
        OutputParameters parameters = new OutputParameters(MATRICES.stream()
                .map(MlpMatrix::label).toList(), IntStream.range(0, layers).boxed().toList(), topK, false,
                "generated", List.of(), CensusRule.DEFAULT_KURTOSIS);
        try (AtlasWrite write = AtlasWrite.begin(spark, atlas, OutputKind.MAP, checkpoint, PublishListener.NONE)) {
            write.run(run -> {
                Broadcast<TokenTable> shared = jsc.broadcast(tokens);
                String runId = run.id();
                try {
                    jsc.parallelize(shards, shards.size()).foreach(shard -> self.writeShard(shard, atlas, runId,
                            shared.value()));
                } finally {
                    shared.destroy();
                }
                List<String> files = new ArrayList<>();
                for (Shard shard : shards) {
                    files.addAll(ShardWriter.committedFiles(checkpoint, runId, shard, false));
                }
                run.checkCommitted(files);
                if (layout.sortByToken()) {
                    // The lookup layout's atlas is the map's, indexes included; the plain one is the layout before them.
                    run.checkCommitted(TokenNeuronsIndex.write(spark, atlas, checkpoint, runId, shards, tokens.size()));
                    long t0 = System.nanoTime();
                    run.checkCommitted(LayerScoresIndex.write(spark, atlas, checkpoint, runId, shards));
                    layerScoresSeconds[0] = (System.nanoTime() - t0) / 1e9;
                }
                VocabularyWriter.write(jsc.hadoopConfiguration(), run.folder(MapTables.TOKENS), tokens);
                String finished = Instant.now().toString();
                RunRecord record = new RunRecord(runId, checkpoint, fingerprint, "(generated)",
                        config(tokens.size()), RunRecord.Parameters.of(parameters, shardSize, 256, "generated"),
                        new RunRecord.Timings(0, 0, 0, 0, 0, 0), "generated", spark.version(),
                        spark.sparkContext().master(), run.startedAt().toString(), finished, neurons(),
                        neuronTokenRows(), List.of(), List.of(), java.util.Map.of());
                CheckpointEntry entry = new CheckpointEntry(checkpoint, runId, fingerprint, "synthetic",
                        new CheckpointEntry.Shapes(layers, 0, dMlp, tokens.size()), "generated", finished,
                        parameters);
                return new AtlasWrite.Outcome<>(entry, record.toJson(), null);
            });
        }
        return layerScoresSeconds[0];
    }

    /**
     * Writes the atlas into dir unless it is there already from these parameters and vocabulary size (a marker
     * file records them): benchmarks write their atlas once and measure it on every run. Says so on out, after
     * what (e.g. "bench-query: writing the lookup atlas").
     */
    public void writeOnce(SparkSession spark, java.nio.file.Path dir, TokenTable tokens, PrintStream out, String what)
            throws IOException {
        // The indexes in the stamp: an atlas written before the lookup layout had them is written again.
        String stamp = this + " vocab=" + tokens.size() + (layout.sortByToken() ? " " + MapTables.TOKEN_NEURONS + " "
                + MapTables.LAYER_SCORES : "");
        java.nio.file.Path marker = dir.resolve("_synthetic.txt");
        if (Files.exists(marker) && Files.readString(marker).equals(stamp)) {
            return;
        }
        out.printf(Locale.ROOT, "%s: %,d neurons, %,d neuron_tokens rows in %,d files ...%n", what,
                neurons(), neuronTokenRows(), shards().size());
        long t0 = System.nanoTime();
        double layerScores = write(spark, dir.toString(), tokens);
        Files.writeString(marker, stamp);
        out.printf(Locale.ROOT, "%s: done in %.1f s (layer scores %.1f s)%n", what, (System.nanoTime() - t0) / 1e9,
                layerScores);
    }

    void writeShard(Shard shard, String atlas, String run, TokenTable tokens) throws IOException {
        ZipfIds ids = new ZipfIds(tokens.size(), seed);
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + shard.index());
        try (ShardWriter writer = new ShardWriter(new Configuration(), atlas, checkpoint, run, shard, tokens, 0,
                layout, new CensusRule(CensusRule.DEFAULT_KURTOSIS))) {
            for (int done = 0; done < shard.count(); done += 256) {
                int n = Math.min(256, shard.count() - done);
                writer.append(batch(n, ids, random), shard.firstNeuron() + done);
            }
            writer.commit();
        }
    }

    private BatchResult batch(int count, ZipfIds zipf, SplittableRandom random) {
        int k = topK;
        BatchResult.Rankings ranked = BatchResult.Rankings.allocate(count, k);
        BatchResult.Statistics stats = BatchResult.Statistics.allocate(count);
        BatchResult.Normalizers normalizers = BatchResult.Normalizers.allocate(count);
        int[] chosen = new int[k];
        for (int n = 0; n < count; n++) {
            for (int p = 0; p < 2; p++) {
                // log-normal maximum around e^2 ≈ 7.4, falling off with rank
                double top = Math.exp(2 + 0.35 * random.nextGaussian());
                double lse = top + 1.5 + random.nextDouble();
                double topMean = Math.exp(top - lse) * 0.2;
                for (int r = 0; r < k; r++) {
                    int id;
                    do {
                        id = zipf.next(random);
                    } while (contains(chosen, r, id));
                    chosen[r] = id;
                    double s = top - 0.4 * Math.log1p(r) - 0.05 * r * random.nextDouble();
                    int at = (n * 2 + p) * k + r;
                    ranked.tokenIds()[at] = id;
                    ranked.scores()[at] = (float) (p == 0 ? s : -s);
                    ranked.probs()[at] = (float) Math.exp(s - lse);
                    ranked.normalizedProbs()[at] = (float) (Math.exp(s - lse) / topMean);
                }
                normalizers.logsumexps()[n * 2 + p] = (float) lse;
                normalizers.topMeanProbs()[n * 2 + p] = (float) topMean;
            }
            stats.norms()[n] = (float) (1 + random.nextDouble());
            stats.max()[n] = ranked.scores()[(n * 2) * k];
            stats.min()[n] = ranked.scores()[(n * 2 + 1) * k];
            stats.mean()[n] = (float) (0.01 * random.nextGaussian());
            stats.std()[n] = (float) (1 + 0.1 * random.nextDouble());
            stats.entropy()[n] = (float) (11 + random.nextDouble());
        }
        return new BatchResult(count, ranked, stats, normalizers, BatchResult.Watched.allocate(count, new int[0]),
                BatchResult.Census.allocate(count));
    }

    private static boolean contains(int[] values, int size, int value) {
        for (int i = 0; i < size; i++) {
            if (values[i] == value) {
                return true;
            }
        }
        return false;
    }

    /** Token ids with P(rank r) ∝ 1/r over a seeded shuffle of the vocabulary. */
    static final class ZipfIds {
        private final double[] cumulative; // [vocab], by popularity rank
        private final int[] idOfRank;      // [vocab]

        ZipfIds(int vocab, long seed) {
            cumulative = new double[vocab];
            double sum = 0;
            for (int r = 0; r < vocab; r++) {
                sum += 1.0 / (r + 1);
                cumulative[r] = sum;
            }
            idOfRank = new int[vocab];
            for (int i = 0; i < vocab; i++) {
                idOfRank[i] = i;
            }
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = vocab - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = idOfRank[i];
                idOfRank[i] = idOfRank[j];
                idOfRank[j] = t;
            }
        }

        int next(SplittableRandom random) {
            double u = random.nextDouble() * cumulative[cumulative.length - 1];
            int at = Arrays.binarySearch(cumulative, u);
            return idOfRank[at >= 0 ? at : -at - 1];
        }
    }
}
