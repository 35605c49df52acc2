package io.neuronatlas.checkpoint;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The experts of a mixture-of-experts model as config.json describes them; {@link #NONE} for a dense model.
 *
 * @param count       routed experts of each sparse layer (num_local_experts, num_experts)
 * @param width       neurons of a routed expert (moe_intermediate_size; intermediate_size for Mixtral and gpt-oss)
 * @param sharedWidth neurons of the shared expert, 0 without one (Qwen2-MoE's shared_expert_intermediate_size)
 * @param denseLayers layers whose MLP is one dense MLP of intermediate_size instead (Qwen-MoE's mlp_only_layers and
 *                    the layers decoder_sparse_step skips), ascending
 */
public record Experts(int count, int width, int sharedWidth, List<Integer> denseLayers) implements Serializable {
    public static final Experts NONE = new Experts(0, 0, 0, List.of());

    public Experts {
        if (count < 0 || width < 0 || sharedWidth < 0 || (count > 0) != (width > 0)) {
            throw new IllegalArgumentException("invalid experts: " + count + " of " + width + " neurons, shared "
                    + sharedWidth);
        }
        denseLayers = denseLayers.stream().sorted().distinct().toList();
    }

    /**
     * Experts of intermediate_size neurons in every layer, countField of them (Mixtral's and gpt-oss's
     * num_local_experts, which their config classes also accept as num_experts), defaultCount when absent.
     */
    public static Experts inEveryLayer(ConfigFile config, String countField, int defaultCount)
            throws CheckpointException {
        return new Experts(config.integer(config.spelling(countField, "num_experts"), defaultCount), config.integer("intermediate_size"), 0,
                List.of());
    }

    public boolean any() {
        return count > 0;
    }

    /** The MLPs of a layer, in the order the atlas plans them: routed experts by index, then the shared one. */
    public List<MlpBlock> blocks(int layer, int denseWidth) {
        if (count == 0 || denseLayers.contains(layer)) {
            return List.of(MlpBlock.dense(denseWidth));
        }
        List<MlpBlock> blocks = new ArrayList<>(count + 1);
        for (int e = 0; e < count; e++) {
            blocks.add(MlpBlock.routed(e, width));
        }
        if (sharedWidth > 0) {
            blocks.add(new MlpBlock(MlpBlock.SHARED, sharedWidth));
        }
        return blocks;
    }
}
