package io.neuronatlas.plan;

import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.ModelConfig;
import java.util.ArrayList;
import java.util.List;

/** Cuts the neurons to map into shards. The driver plans from config.json alone. */
public final class ShardPlanner {
    /**
     * Work per CPU shard: about 1 TFLOP, a few seconds to a minute on one CPU core. A GPU gets whole
     * layers, which it maps in well under a second each for 8B-sized models.
     */
    static final double CPU_SHARD_FLOPS = 1e12;

    private ShardPlanner() {
    }

    public static List<Shard> plan(ModelConfig config, List<MlpMatrix> matrices, List<Integer> layers,
                                   int shardSize) {
        if (shardSize < 1) {
            throw new IllegalArgumentException("--shard-size must be positive, found " + shardSize);
        }
        List<Shard> shards = new ArrayList<>();
        for (MlpMatrix matrix : matrices) {
            for (int layer : layers) {
                for (int first = 0; first < config.dMlp(); first += shardSize) {
                    int count = Math.min(shardSize, config.dMlp() - first);
                    shards.add(new Shard(shards.size(), matrix, layer, first, count));
                }
            }
        }
        return shards;
    }

    /** The default --shard-size for this model on this kind of device. */
    public static int defaultShardSize(ModelConfig config, boolean gpu) {
        if (gpu) {
            return config.dMlp();
        }
        double neurons = CPU_SHARD_FLOPS / (2.0 * config.dModel() * config.vocab());
        if (neurons >= config.dMlp()) {
            return config.dMlp();
        }
        return Integer.highestOneBit((int) Math.max(64, neurons));
    }

    /** Floating point operations of the projection alone: 2 · d_model · vocab per neuron. */
    public static double flops(ModelConfig config, long neurons) {
        return 2.0 * config.dModel() * config.vocab() * neurons;
    }
}
