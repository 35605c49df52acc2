package io.neuronatlas.bench;

import io.neuronatlas.atlas.AtlasPublisher;
import io.neuronatlas.atlas.AtlasSchema;
import io.neuronatlas.atlas.CheckpointEntry;
import io.neuronatlas.atlas.OutputParameters;
import io.neuronatlas.atlas.ShardWriter;
import io.neuronatlas.atlas.TokenLayout;
import io.neuronatlas.atlas.VocabularyWriter;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.compute.projection.BatchResult;
import io.neuronatlas.plan.Shard;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * An atlas of a model's size with generated rows instead of projections, for the query benchmark: no model, no
 * projection, but the map's own ShardWriter, run folders and publishing, so the files have the map's layout.
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

    /** The shards of every matrix and layer, in the planner's order. */
    public List<Shard> shards() {
        List<Shard> shards = new ArrayList<>();
        for (MlpMatrix m : MlpMatrix.values()) {
            for (int layer = 0; layer < layers; layer++) {
                for (int first = 0; first < dMlp; first += shardSize) {
                    shards.add(new Shard(shards.size(), m, layer, first, Math.min(shardSize, dMlp - first)));
                }
            }
        }
        return shards;
    }

    /** Generates and publishes the atlas's tables for this checkpoint, one Spark task per shard. */
    public void write(SparkSession spark, String atlas, TokenTable tokens) throws IOException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        String run = "synthetic-" + System.currentTimeMillis();
        AtlasPublisher publisher = new AtlasPublisher(jsc.hadoopConfiguration(), atlas, checkpoint, run);
        Broadcast<TokenTable> shared = jsc.broadcast(tokens);
        SyntheticAtlas self = this;
        List<Shard> shards = shards();
        try {
            jsc.parallelize(shards, shards.size()).foreach(shard -> self.writeShard(shard, atlas, run,
                    shared.value()));
            publisher.checkWritten(shards, false);
            VocabularyWriter.write(jsc.hadoopConfiguration(), publisher.runFolder(AtlasSchema.TOKENS), tokens);
            Path record = new Path(publisher.runFolder(AtlasSchema.RUNS), "run.json");
            FileSystem fs = record.getFileSystem(jsc.hadoopConfiguration());
            try (OutputStream out = fs.create(record, true)) {
                out.write(("{\"runId\":\"" + run + "\",\"neurons\":" + neurons() + "}\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            List<Integer> allLayers = java.util.stream.IntStream.range(0, layers).boxed().toList();
            publisher.publish(new CheckpointEntry(checkpoint, run, "synthetic-seed-" + seed, "synthetic",
                    new CheckpointEntry.Shapes(layers, 0, dMlp, tokens.size()), "generated",
                    java.time.Instant.now().toString(), new OutputParameters(List.of("gate", "up", "down"),
                    allLayers, topK, false, "generated", List.of())));
        } catch (IOException | RuntimeException e) {
            publisher.abandon();
            throw e;
        } finally {
            shared.destroy();
        }
    }

    /**
     * Writes the atlas into dir unless it is there already from these parameters and vocabulary size (a marker
     * file records them): benchmarks write their atlas once and measure it on every run. Says so on out, after
     * what (e.g. "bench-query: writing the lookup atlas").
     */
    public void writeOnce(SparkSession spark, java.nio.file.Path dir, TokenTable tokens, PrintStream out, String what)
            throws IOException {
        String stamp = this + " vocab=" + tokens.size();
        java.nio.file.Path marker = dir.resolve("_synthetic.txt");
        if (Files.exists(marker) && Files.readString(marker).equals(stamp)) {
            return;
        }
        out.printf(Locale.ROOT, "%s: %,d neurons, %,d neuron_tokens rows in %,d files ...%n", what,
                neurons(), neuronTokenRows(), shards().size());
        long t0 = System.nanoTime();
        write(spark, dir.toString(), tokens);
        Files.writeString(marker, stamp);
        out.printf(Locale.ROOT, "%s: done in %.1f s%n", what, (System.nanoTime() - t0) / 1e9);
    }

    void writeShard(Shard shard, String atlas, String run, TokenTable tokens) throws IOException {
        ZipfIds ids = new ZipfIds(tokens.size(), seed);
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + shard.index());
        try (ShardWriter writer = new ShardWriter(new Configuration(), atlas, checkpoint, run, shard, tokens, 0,
                layout)) {
            for (int done = 0; done < shard.count(); done += 256) {
                int n = Math.min(256, shard.count() - done);
                writer.append(batch(n, ids, random), shard.firstNeuron() + done);
            }
            writer.commit();
        }
    }

    private BatchResult batch(int count, ZipfIds zipf, SplittableRandom random) {
        int k = topK;
        int[] ids = new int[count * 2 * k];
        float[] scores = new float[ids.length];
        float[] probs = new float[ids.length];
        float[] normalized = new float[ids.length];
        float[][] stats = new float[6][count]; // norm, max, min, mean, std, entropy
        float[] lses = new float[count * 2];
        float[] topMeans = new float[count * 2];
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
                    ids[at] = id;
                    scores[at] = (float) (p == 0 ? s : -s);
                    probs[at] = (float) Math.exp(s - lse);
                    normalized[at] = (float) (Math.exp(s - lse) / topMean);
                }
                lses[n * 2 + p] = (float) lse;
                topMeans[n * 2 + p] = (float) topMean;
            }
            stats[0][n] = (float) (1 + random.nextDouble());
            stats[1][n] = scores[(n * 2) * k];
            stats[2][n] = scores[(n * 2 + 1) * k];
            stats[3][n] = (float) (0.01 * random.nextGaussian());
            stats[4][n] = (float) (1 + 0.1 * random.nextDouble());
            stats[5][n] = (float) (11 + random.nextDouble());
        }
        return new BatchResult(count, k, ids, scores, probs, normalized, stats[0], stats[1], stats[2], stats[3],
                stats[4], stats[5], lses, topMeans, new int[0], new float[0], new float[0], new float[0]);
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
