package io.neuronatlas.checkpoint;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The mixtures of experts with Llama's attention and tensor names: Mixtral (Llama's layer, a sliding window on every
 * layer when sliding_window is set), Qwen2-MoE (Qwen2's attention with qkv_bias, a shared expert weighted by
 * σ(shared_expert_gate(x))) and Qwen3-MoE (Qwen3's per-head q/k norms). Their routers (transformers 5.18's
 * MixtralTopKRouter, Qwen2MoeTopKRouter, Qwen3MoeTopKRouter) take a softmax over all experts, then the
 * num_experts_per_tok largest, renormalized to sum 1 (Mixtral always, Qwen-MoE when norm_topk_prob). Qwen-MoE's dense
 * layers (mlp_only_layers, decoder_sparse_step) are Llama MLPs.
 */
public enum MoeDecoderLayout implements DecoderLayout {
    MIXTRAL("mixtral", LlamaDecoderLayout.LLAMA) {
        @Override
        public Set<AttentionProjection> biasedProjections(boolean attentionBiasFlag) {
            return EnumSet.noneOf(AttentionProjection.class);
        }

        @Override
        public List<LayerAttention> layerAttention(ConfigFile config, int layers) throws CheckpointException {
            return LayerAttention.everyLayer(layers, config.integer("sliding_window", 0));
        }

        @Override
        Routing routing(ConfigFile config) throws CheckpointException {
            return new Routing(config.integer("num_experts_per_tok", 2), true, true);
        }

        @Override
        public MixtureTensors mixture(ForwardConfig config, int layer) {
            return new MixtureTensors("model.layers." + layer + ".block_sparse_moe.gate.weight", null, null);
        }
    },
    /** Qwen2MoeAttention: q, k, v with bias=config.qkv_bias (default true), o_proj without. */
    QWEN2_MOE("qwen2_moe", LlamaDecoderLayout.QWEN2) {
        @Override
        public Set<AttentionProjection> biasedProjections(boolean qkvBias) {
            return qkvBias ? EnumSet.of(AttentionProjection.Q, AttentionProjection.K, AttentionProjection.V)
                    : EnumSet.noneOf(AttentionProjection.class);
        }

        @Override
        public String attentionBiasKey() {
            return "qkv_bias";
        }

        @Override
        public boolean attentionBiasDefault() {
            return true;
        }

        @Override
        public List<LayerAttention> layerAttention(ConfigFile config, int layers) throws CheckpointException {
            return LlamaDecoderLayout.qwenWindows(config, layers);
        }
    },
    /** Qwen3MoeAttention: q_norm/k_norm per head, bias=config.attention_bias on all four projections. */
    QWEN3_MOE("qwen3_moe", LlamaDecoderLayout.QWEN3) {
        @Override
        public List<LayerAttention> layerAttention(ConfigFile config, int layers) throws CheckpointException {
            // Qwen3MoeAttention slides on every layer when use_sliding_window (sliding_window is None otherwise)
            boolean slides = config.bool("use_sliding_window", false) && config.has("sliding_window");
            return LayerAttention.everyLayer(layers, slides ? config.integer("sliding_window") : 0);
        }
    };

    private final String modelType;
    private final LlamaDecoderLayout attention;

    MoeDecoderLayout(String modelType, LlamaDecoderLayout attention) {
        this.modelType = modelType;
        this.attention = attention;
    }

    @Override
    public String modelType() {
        return modelType;
    }

    @Override
    public DecoderBlock block(ConfigFile config, int headDim) throws CheckpointException {
        return attention.block(config, headDim).withRouting(routing(config));
    }

    /** Qwen2MoeTopKRouter, Qwen3MoeTopKRouter: softmax, top-k, renormalized only with norm_topk_prob. */
    Routing routing(ConfigFile config) throws CheckpointException {
        return new Routing(config.integer("num_experts_per_tok", 2), true, config.bool("norm_topk_prob", false));
    }

    @Override
    public LayerTensors tensors(ForwardConfig config, int layer) {
        return attention.tensors(config, layer);
    }

    /** Qwen-MoE: mlp.gate routes, mlp.shared_expert_gate weighs the shared expert; a dense layer has neither. */
    @Override
    public MixtureTensors mixture(ForwardConfig config, int layer) {
        List<MlpBlock> blocks = config.model().mlpBlocks(layer);
        if (blocks.size() == 1 && blocks.get(0).isDense()) {
            return null;
        }
        String mlp = "model.layers." + layer + ".mlp.";
        boolean shared = blocks.stream().anyMatch(MlpBlock::isShared);
        return new MixtureTensors(mlp + "gate.weight", null, shared ? mlp + "shared_expert_gate.weight" : null);
    }
}
