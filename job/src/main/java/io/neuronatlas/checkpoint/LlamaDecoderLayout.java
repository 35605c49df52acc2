package io.neuronatlas.checkpoint;

import java.util.EnumSet;
import java.util.Set;

/**
 * Hugging Face's Llama decoder layer (modeling_llama.py) and the two families that keep its tensor names: Mistral
 * (no attention biases) and Qwen2 (q, k and v biases, no o bias).
 */
public enum LlamaDecoderLayout implements DecoderLayout {
    /** attention_bias=true gives all four projections a bias (LlamaAttention's bias=config.attention_bias). */
    LLAMA("llama") {
        @Override
        public Set<AttentionProjection> biasedProjections(boolean attentionBiasFlag) {
            return attentionBiasFlag ? EnumSet.allOf(AttentionProjection.class)
                    : EnumSet.noneOf(AttentionProjection.class);
        }
    },
    /** MistralAttention builds its projections with bias=False whatever the config says. */
    MISTRAL("mistral") {
        @Override
        public Set<AttentionProjection> biasedProjections(boolean attentionBiasFlag) {
            return EnumSet.noneOf(AttentionProjection.class);
        }
    },
    /** Qwen2Attention: q, k, v with bias=True, o_proj without. */
    QWEN2("qwen2") {
        @Override
        public Set<AttentionProjection> biasedProjections(boolean attentionBiasFlag) {
            return EnumSet.of(AttentionProjection.Q, AttentionProjection.K, AttentionProjection.V);
        }
    };

    private final String modelType;

    LlamaDecoderLayout(String modelType) {
        this.modelType = modelType;
    }

    @Override
    public String modelType() {
        return modelType;
    }

    @Override
    public String attentionWeight(AttentionProjection p, int layer) {
        return "model.layers." + layer + ".self_attn." + p.label() + "_proj.weight";
    }

    @Override
    public String attentionBias(AttentionProjection p, int layer) {
        return "model.layers." + layer + ".self_attn." + p.label() + "_proj.bias";
    }

    @Override
    public String inputNorm(int layer) {
        return "model.layers." + layer + ".input_layernorm.weight";
    }

    @Override
    public String postAttentionNorm(int layer) {
        return "model.layers." + layer + ".post_attention_layernorm.weight";
    }

    @Override
    public Norm norm() {
        return Norm.RMS;
    }

    @Override
    public Activation defaultActivation() {
        return Activation.SILU;
    }
}
