package io.neuronatlas.checkpoint;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Hugging Face's Llama decoder layer (modeling_llama.py) and the families that keep its tensor names: Mistral (no
 * attention biases, a sliding window on every layer), Qwen2 (q, k and v biases; windows by layer_types or
 * max_window_layers when use_sliding_window), Qwen3 (Qwen2's windows, q_norm/k_norm per head, no biases) and OLMo-2
 * (q_norm/k_norm over the whole projection, norms on the outputs of attention and MLP instead of their inputs).
 */
public enum LlamaDecoderLayout implements DecoderLayout {
    /** attention_bias=true gives all four projections a bias (LlamaAttention's bias=config.attention_bias). */
    LLAMA("llama"),
    /** MistralAttention builds its projections with bias=False; MistralConfig's sliding_window defaults to 4096. */
    MISTRAL("mistral") {
        @Override
        public Set<AttentionProjection> biasedProjections(boolean attentionBiasFlag) {
            return EnumSet.noneOf(AttentionProjection.class);
        }

        @Override
        public List<LayerAttention> layerAttention(ConfigFile config, int layers) throws CheckpointException {
            return LayerAttention.everyLayer(layers, config.integer("sliding_window", 4096));
        }
    },
    /** Qwen2Attention: q, k, v with bias=True, o_proj without. */
    QWEN2("qwen2") {
        @Override
        public Set<AttentionProjection> biasedProjections(boolean attentionBiasFlag) {
            return EnumSet.of(AttentionProjection.Q, AttentionProjection.K, AttentionProjection.V);
        }

        @Override
        public List<LayerAttention> layerAttention(ConfigFile config, int layers) throws CheckpointException {
            return qwenWindows(config, layers);
        }
    },
    /** Qwen3Attention: q_norm and k_norm over head_dim, before the rotation. */
    QWEN3("qwen3") {
        @Override
        public DecoderBlock block(ConfigFile config, int headDim) {
            return DecoderBlock.llama(headDim).withQkNorm(DecoderBlock.QkNorm.PER_HEAD);
        }

        @Override
        public List<LayerAttention> layerAttention(ConfigFile config, int layers) throws CheckpointException {
            return qwenWindows(config, layers);
        }
    },
    /**
     * Olmo2Attention: q_norm over heads·head_dim and k_norm over kv_heads·head_dim; Olmo2DecoderLayer: x + norm(attn(x))
     * with post_attention_layernorm, then h + norm(mlp(h)) with post_feedforward_layernorm.
     */
    OLMO2("olmo2") {
        @Override
        public DecoderBlock block(ConfigFile config, int headDim) {
            return DecoderBlock.llama(headDim).withQkNorm(DecoderBlock.QkNorm.WHOLE);
        }
    };

    private final String modelType;

    LlamaDecoderLayout(String modelType) {
        this.modelType = modelType;
    }

    /** The layout of one of the model_types here. */
    public static LlamaDecoderLayout of(String modelType) {
        for (LlamaDecoderLayout l : values()) {
            if (l.modelType.equals(modelType)) {
                return l;
            }
        }
        throw new IllegalArgumentException("model_type '" + modelType + "' is not of the Llama layout");
    }

    @Override
    public String modelType() {
        return modelType;
    }

    /**
     * Qwen2Config/Qwen3Config: no window unless use_sliding_window; then layer_types, or sliding from layer
     * max_window_layers (default 28) on.
     */
    static List<LayerAttention> qwenWindows(ConfigFile config, int layers) throws CheckpointException {
        if (!config.bool("use_sliding_window", false) || !config.has("sliding_window")) {
            return LayerAttention.everyLayer(layers, 0);
        }
        int window = config.integer("sliding_window");
        if (config.has("layer_types")) {
            return LayerAttention.ofTypes(config, config.texts("layer_types"), layers, window, false);
        }
        int first = config.integer("max_window_layers", 28);
        List<LayerAttention> out = LayerAttention.everyLayer(layers, 0);
        for (int l = first; l < layers; l++) {
            out.set(l, new LayerAttention(window, false));
        }
        return out;
    }

    public String attentionWeight(AttentionProjection p, int layer) {
        return "model.layers." + layer + ".self_attn." + p.label() + "_proj.weight";
    }

    public String attentionBias(AttentionProjection p, int layer) {
        return "model.layers." + layer + ".self_attn." + p.label() + "_proj.bias";
    }

    public String inputNorm(int layer) {
        return "model.layers." + layer + ".input_layernorm.weight";
    }

    public String postAttentionNorm(int layer) {
        return "model.layers." + layer + ".post_attention_layernorm.weight";
    }

    @Override
    public LayerTensors tensors(ForwardConfig config, int layer) {
        String p = "model.layers." + layer + ".";
        boolean olmo = this == OLMO2;
        boolean qk = config.block().qkNorm() != DecoderBlock.QkNorm.NONE;
        LayerTensors.Norm post = LayerTensors.Norm.rms(postAttentionNorm(layer));
        return new LayerTensors(olmo ? null : LayerTensors.Norm.rms(inputNorm(layer)), olmo ? post : null,
                olmo ? null : post, olmo ? LayerTensors.Norm.rms(p + "post_feedforward_layernorm.weight") : null,
                qk ? p + "self_attn.q_norm.weight" : null, qk ? p + "self_attn.k_norm.weight" : null,
                Projections.linear(config, this::attentionWeight, layer, AttentionProjection.Q),
                Projections.linear(config, this::attentionWeight, layer, AttentionProjection.K),
                Projections.linear(config, this::attentionWeight, layer, AttentionProjection.V),
                Projections.linear(config, this::attentionWeight, layer, AttentionProjection.O),
                Projections.bias(config, this::attentionBias, layer, AttentionProjection.Q),
                Projections.bias(config, this::attentionBias, layer, AttentionProjection.K),
                Projections.bias(config, this::attentionBias, layer, AttentionProjection.V),
                Projections.bias(config, this::attentionBias, layer, AttentionProjection.O), null, null, null);
    }
}
