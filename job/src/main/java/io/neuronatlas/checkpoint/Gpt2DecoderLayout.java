package io.neuronatlas.checkpoint;

import java.util.EnumSet;
import java.util.Set;

/**
 * GPT2Block: LayerNorms ln_1 and ln_2 before attention and MLP, learned positions wpe added to the embedding, q, k
 * and v fused in the Conv1D c_attn ([n_embd, 3·n_embd], stored [in, out]: columns q, then k, then v) with biases,
 * c_proj for the output; scores scaled by 1/√head_dim.
 *
 * @param prefix "" or "transformer.", as {@link Gpt2Architecture} found
 */
record Gpt2DecoderLayout(String prefix) implements DecoderLayout {

    @Override
    public String modelType() {
        return "gpt2";
    }

    @Override
    public ConfigKeys keys() {
        return new ConfigKeys("n_head", null, "n_positions", "layer_norm_epsilon", 1e-5);
    }

    @Override
    public DecoderBlock block(ConfigFile config, int headDim) throws CheckpointException {
        if (config.bool("scale_attn_by_inverse_layer_idx", false) || !config.bool("scale_attn_weights", true)) {
            throw new IllegalArgumentException("scale_attn_by_inverse_layer_idx=true or scale_attn_weights=false: "
                    + "GPT-2 attention scaled other than by 1/sqrt(head_dim) has no forward pass");
        }
        return DecoderBlock.llama(headDim).withRotary(0, false);
    }

    @Override
    public boolean attentionBiasDefault() {
        return true;
    }

    @Override
    public Set<AttentionProjection> biasedProjections(boolean attentionBiasFlag) {
        return EnumSet.allOf(AttentionProjection.class);
    }

    @Override
    public String positionEmbedding() {
        return prefix + "wpe.weight";
    }

    @Override
    public LayerTensors tensors(ForwardConfig c, int layer) {
        String h = prefix + "h." + layer + ".";
        int d = c.model().dModel();
        TensorSlice qkv = TensorSlice.conv1d(h + "attn.c_attn.weight", d, 3 * d);
        TensorSlice qkvBias = TensorSlice.bias(h + "attn.c_attn.bias", 3 * d);
        return new LayerTensors(LayerTensors.Norm.layerNorm(h + "ln_1"), null, LayerTensors.Norm.layerNorm(h + "ln_2"),
                null, null, null, qkv.part(0, d), qkv.part(d, d), qkv.part(2 * d, d),
                TensorSlice.conv1d(h + "attn.c_proj.weight", d, d), qkvBias.part(0, d), qkvBias.part(d, d),
                qkvBias.part(2 * d, d), TensorSlice.bias(h + "attn.c_proj.bias", d), h + "mlp.c_fc.bias",
                h + "mlp.c_proj.bias", null);
    }
}
