package io.neuronatlas.checkpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Qwen2-MoE and Qwen3-MoE: Llama's names, but a sparse layer's MLP is num_experts experts of moe_intermediate_size
 * neurons, mlp.experts.{e}.{gate,up,down}_proj, and in Qwen2-MoE also one shared expert of
 * shared_expert_intermediate_size neurons, mlp.shared_expert.{gate,up,down}_proj (its scalar gate
 * mlp.shared_expert_gate and the router mlp.gate are not neuron matrices). A layer is sparse unless it is in
 * mlp_only_layers or (layer + 1) is not a multiple of decoder_sparse_step; a dense layer has one MLP of
 * intermediate_size neurons under Llama's names.
 */
public final class QwenMoeArchitecture extends LlamaHeadArchitecture {
    public static final QwenMoeArchitecture INSTANCE = new QwenMoeArchitecture();
    private static final long serialVersionUID = 1L;
    /** Qwen2MoeConfig's shared_expert_intermediate_size; Qwen3-MoE has no shared expert. */
    static final int QWEN2_MOE_SHARED = 5632;

    private QwenMoeArchitecture() {
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of("qwen2_moe", "qwen3_moe");
    }

    @Override
    public String description() {
        return "Qwen-MoE: mixture of experts, gated MLPs mlp.experts.{e}.{gate,up,down}_proj"
                + " (Qwen2-MoE: and mlp.shared_expert)";
    }

    @Override
    public ModelConfig readConfig(ConfigFile config) throws CheckpointException {
        int layers = config.integer("num_hidden_layers");
        // transformers 5 writes Qwen3-MoE's num_experts as num_local_experts
        int count = config.integer(config.spelling("num_experts", "num_local_experts"));
        int step = Math.max(1, config.integer("decoder_sparse_step", 1));
        List<Integer> dense = new ArrayList<>();
        List<Integer> mlpOnly = config.integers("mlp_only_layers");
        for (int layer = 0; layer < layers; layer++) {
            if (mlpOnly.contains(layer) || count == 0 || (layer + 1) % step != 0) {
                dense.add(layer);
            }
        }
        int shared = config.modelType().equals("qwen2_moe")
                ? config.integer("shared_expert_intermediate_size", QWEN2_MOE_SHARED) : 0;
        int width = count == 0 ? 0 : config.integer("moe_intermediate_size");
        Experts experts = new Experts(count, width, count == 0 ? 0 : shared, dense);
        return ModelConfig.standard(config, false, "silu", experts, 0);
    }

    @Override
    public NeuronSource neurons(ModelConfig config, MlpMatrix matrix, int layer, MlpBlock block) {
        String mlp = "model.layers." + layer + ".mlp.";
        String where;
        String because = "hidden_size=" + config.dModel() + ", ";
        if (block.isDense()) {
            where = mlp;
            because += "intermediate_size=" + block.width() + " (a dense layer: mlp_only_layers, decoder_sparse_step)";
        } else if (block.isShared()) {
            where = mlp + "shared_expert.";
            because += "shared_expert_intermediate_size=" + block.width();
        } else {
            where = mlp + "experts." + block.expert() + ".";
            because += "moe_intermediate_size=" + block.width() + ", num_experts=" + config.experts().count();
        }
        return NeuronSource.linear(where + matrix.label() + "_proj.weight", matrix, config.dModel(), block.width(),
                because);
    }

    @Override
    public List<DecoderLayout> decoders() {
        return List.of(MoeDecoderLayout.QWEN2_MOE, MoeDecoderLayout.QWEN3_MOE);
    }

    private Object readResolve() {
        return INSTANCE;
    }
}
