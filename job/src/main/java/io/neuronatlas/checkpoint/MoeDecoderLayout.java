package io.neuronatlas.checkpoint;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The mixtures of experts with Llama's attention and tensor names: Mixtral (Llama's layer, a sliding window on every
 * layer when sliding_window is set), Qwen2-MoE (Qwen2's attention with qkv_bias, a shared expert weighted by
 * σ(shared_expert_gate(x))) and Qwen3-MoE (Qwen3's per-head q/k norms). Their routers (transformers 5.18's
 * MixtralTopKRouter, Qwen2MoeTopKRouter, Qwen3MoeTopKRouter) take a softmax over all experts, then the
 * num_experts_per_tok largest, renormalized to sum 1 (Mixtral always, Qwen-MoE when norm_topk_prob). Qwen-MoE's dense
 * layers (mlp_only_layers, decoder_sparse_step) are Llama MLPs. gpt-oss (modeling_gpt_oss.py) has Llama's names too,
 * with attention sinks, biases on all four projections by default, sliding and full layers alternating, a router with
 * a bias that takes the top k logits and then a softmax over those k, and experts with biases and their own clamped
 * SwiGLU, stacked in 3-D tensors ({@link GptOssArchitecture}).
 */
public enum MoeDecoderLayout implements DecoderLayout {
    MIXTRAL("mixtral", LlamaDecoderLayout.LLAMA) {
        /** MixtralConfig's default_theta: 1e6 when the file names no rope_theta. */
        @Override
        public RopeParameters rope(ConfigFile config, String layerType) throws CheckpointException {
            return RopeParameters.read(config, layerType, 1_000_000);
        }

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
            return new MixtureTensors("model.layers." + layer + ".block_sparse_moe.gate.weight", null);
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
    },
    /**
     * GptOssAttention: q, k, v, o with bias=config.attention_bias (default true) and a sink per head; GptOssTopKRouter;
     * GptOssExperts (gate_up_proj_bias, down_proj_bias). GptOssConfig's defaults: rms_norm_eps 1e-5,
     * num_experts_per_tok 4, sliding_window 128, layer_types sliding on even layers and full on odd ones.
     */
    GPT_OSS("gpt_oss", LlamaDecoderLayout.LLAMA) {
        @Override
        public ConfigKeys keys() {
            return new ConfigKeys("num_attention_heads", "num_key_value_heads", "max_position_embeddings",
                    "rms_norm_eps", 1e-5);
        }

        @Override
        public boolean attentionBiasDefault() {
            return true;
        }

        /** GptOssRMSNorm: (weight · x̂).to(input_dtype). */
        @Override
        public boolean rmsWeightInFloat32() {
            return true;
        }

        /** GptOssExperts computes its own gated unit and never reads hidden_act. */
        @Override
        public Activation activation(String hiddenAct) {
            return Activation.CLAMPED_SWIGLU;
        }

        @Override
        public List<LayerAttention> layerAttention(ConfigFile config, int layers) throws CheckpointException {
            int window = config.integer("sliding_window", 128);
            if (config.has("layer_types")) {
                return LayerAttention.ofTypes(config, config.texts("layer_types"), layers, window, false);
            }
            List<LayerAttention> out = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                out.add(l % 2 == 0 ? new LayerAttention(window, false) : LayerAttention.FULL); // GptOssConfig: (i + 1) % 2
            }
            return out;
        }

        /**
         * GptOssConfig's defaults: rope_theta 150,000 (its default_theta); without rope_parameters (or rope_scaling)
         * yarn with factor 32 over 4096 original positions, beta_fast 32, beta_slow 1, not truncated.
         */
        @Override
        public RopeParameters rope(ConfigFile config, String layerType) throws CheckpointException {
            double theta = 150000;
            if (!config.has("rope_parameters") && !config.has("rope_scaling")) {
                return new RopeParameters(config.number("rope_theta", theta, theta), 1,
                        new RopeScaling.Yarn(32, 4096, 32, 1, 0.1 * Math.log(32) + 1, false));
            }
            RopeParameters read = RopeParameters.read(config, layerType);
            boolean thetaGiven = config.has("rope_theta") || (config.isObject("rope_parameters")
                    && config.section("rope_parameters", "").has("rope_theta"));
            return thetaGiven ? read : new RopeParameters(theta, read.partialRotaryFactor(), read.scaling());
        }

        /** GptOssTopKRouter: the k largest logits, then a softmax over those k. */
        @Override
        Routing routing(ConfigFile config) throws CheckpointException {
            return new Routing(config.integer("num_experts_per_tok", 4), false, false);
        }

        @Override
        public LayerTensors tensors(ForwardConfig config, int layer) {
            return LlamaDecoderLayout.LLAMA.tensors(config, layer).withSinks("model.layers." + layer
                    + ".self_attn.sinks");
        }

        @Override
        public MixtureTensors mixture(ForwardConfig config, int layer) {
            String mlp = "model.layers." + layer + ".mlp.";
            String gateUp = mlp + "experts.gate_up_proj_bias";
            return new MixtureTensors(mlp + "router.weight", mlp + "router.bias", null, Map.of(MlpMatrix.GATE,
                    gateUp, MlpMatrix.UP, gateUp, MlpMatrix.DOWN, mlp + "experts.down_proj_bias"));
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
        return new MixtureTensors(mlp + "gate.weight", shared ? mlp + "shared_expert_gate.weight" : null);
    }
}
