package io.neuronatlas.plan;

import io.neuronatlas.checkpoint.MlpBlock;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.ModelConfig;
import io.neuronatlas.compute.NeuronRange;
import io.neuronatlas.compute.Shard;
import java.util.ArrayList;
import java.util.List;

/** Cuts the neurons to map into shards. The driver plans from config.json alone. */
public final class ShardPlanner {
    /**
     * Work per CPU shard: about 1 TFLOP, a few seconds to a minute on one CPU core. A GPU gets whole
     * layers, which it maps in well under a second each for 8B-sized models.
     */
    static final double CPU_SHARD_FLOPS = 1e12;
    /**
     * Most neurons in a GPU shard. A shard's neuron_tokens rows wait in its task until it ends (the file is in token
     * order): 2·top-k rows of 32 bytes a neuron, 80 MiB at top-20 for this many neurons. A dense layer fits whole
     * (Llama-3.1-405B's 53,248); a layer of a mixture of experts may not (Qwen3-30B-A3B: 128 × 768 = 98,304 neurons,
     * gpt-oss-120b: 128 × 2,880 = 368,640), and is cut into a few shards.
     */
    static final int GPU_SHARD_NEURONS = 1 << 16;

    private ShardPlanner() {
    }

    /**
     * Cuts every layer's neurons of each matrix into shards of shardSize (the last of a layer smaller), walking the
     * layer's MLPs in order: a shard may end inside one expert and the next go on from there, or hold several small
     * experts whole, so shard sizes do not depend on how the neurons are split among experts.
     */
    public static List<Shard> plan(ModelConfig config, List<MlpMatrix> matrices, List<Integer> layers,
                                   int shardSize) {
        if (shardSize < 1) {
            throw new IllegalArgumentException("--shard-size must be positive, found " + shardSize);
        }
        List<Shard> shards = new ArrayList<>();
        for (MlpMatrix matrix : matrices) {
            for (int layer : layers) {
                List<NeuronRange> ranges = new ArrayList<>();
                int size = 0;
                for (MlpBlock block : config.mlpBlocks(layer)) {
                    for (int first = 0; first < block.width(); ) {
                        int count = Math.min(shardSize - size, block.width() - first);
                        ranges.add(new NeuronRange(block.expert(), first, count));
                        size += count;
                        first += count;
                        if (size == shardSize) {
                            shards.add(new Shard(shards.size(), matrix, layer, ranges));
                            ranges = new ArrayList<>();
                            size = 0;
                        }
                    }
                }
                if (!ranges.isEmpty()) {
                    shards.add(new Shard(shards.size(), matrix, layer, ranges));
                }
            }
        }
        return shards;
    }

    /**
     * The default --shard-size for this model on this kind of device: a GPU gets whole layers (all experts), up to
     * {@value #GPU_SHARD_NEURONS} neurons.
     */
    public static int defaultShardSize(ModelConfig config, boolean gpu) {
        int layer = config.maxNeuronsPerLayer();
        if (gpu) {
            return Math.min(layer, GPU_SHARD_NEURONS);
        }
        double neurons = CPU_SHARD_FLOPS / (2.0 * config.dModel() * config.vocab());
        if (neurons >= layer) {
            return layer;
        }
        return Integer.highestOneBit((int) Math.max(64, neurons));
    }

    /** Floating point operations of the projection alone: 2 · d_model · vocab per neuron. */
    public static double flops(ModelConfig config, long neurons) {
        return 2.0 * config.dModel() * config.vocab() * neurons;
    }
}
