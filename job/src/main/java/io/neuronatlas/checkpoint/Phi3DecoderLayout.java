package io.neuronatlas.checkpoint;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Phi3Attention: q, k and v fused in one nn.Linear qkv_proj [(heads + 2·kv_heads)·head_dim, hidden_size], rows q
 * then k then v, no biases; partial_rotary_factor of each head rotated; a sliding_window (when set) on every layer.
 * Llama's norms.
 */
final class Phi3DecoderLayout implements DecoderLayout {
    static final Phi3DecoderLayout INSTANCE = new Phi3DecoderLayout();
    private static final long serialVersionUID = 1L;

    @Override
    public String modelType() {
        return "phi3";
    }

    @Override
    public List<LayerAttention> layerAttention(ConfigFile config, int layers) throws CheckpointException {
        return LayerAttention.everyLayer(layers, config.integer("sliding_window", 0));
    }

    @Override
    public Set<AttentionProjection> biasedProjections(boolean attentionBiasFlag) {
        return EnumSet.noneOf(AttentionProjection.class);
    }

    @Override
    public LayerTensors tensors(ForwardConfig c, int layer) {
        String p = "model.layers." + layer + ".";
        int q = c.heads() * c.headDim();
        int kv = c.kvHeads() * c.headDim();
        TensorSlice qkv = TensorSlice.linear(p + "self_attn.qkv_proj.weight", q + 2 * kv, c.model().dModel());
        return new LayerTensors(LayerTensors.Norm.rms(p + "input_layernorm.weight"), null,
                LayerTensors.Norm.rms(p + "post_attention_layernorm.weight"), null, null, null,
                qkv.part(0, q), qkv.part(q, kv), qkv.part(q + kv, kv),
                TensorSlice.linear(p + "self_attn.o_proj.weight", c.model().dModel(), q), null, null, null, null,
                null, null, null);
    }

    private Object readResolve() {
        return INSTANCE;
    }
}
