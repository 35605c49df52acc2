package io.neuronatlas.checkpoint;

/**
 * GPTNeoXLayer: LayerNorms, q, k and v fused in query_key_value [3·hidden_size, hidden_size] whose rows are per head
 * [heads, 3, head_dim] (the output is viewed as (…, heads, 3·head_dim) and chunked), the first rotary_pct of each
 * head rotated (default 0.25), and with use_parallel_residual (default true) x + attn(ln1(x)) + mlp(ln2(x)).
 * attention_bias defaults to true; the MLP has biases.
 */
final class GptNeoxDecoderLayout implements DecoderLayout {
    static final GptNeoxDecoderLayout INSTANCE = new GptNeoxDecoderLayout();
    private static final long serialVersionUID = 1L;

    @Override
    public String modelType() {
        return "gpt_neox";
    }

    @Override
    public ConfigKeys keys() {
        return new ConfigKeys("num_attention_heads", null, "max_position_embeddings", "layer_norm_eps", 1e-5);
    }

    @Override
    public DecoderBlock block(ConfigFile config, int headDim) throws CheckpointException {
        // GPTNeoXConfig's rotary_pct default; the file's value, in either spelling, replaces it
        return DecoderBlock.llama(headDim).withRotary(0.25, config.bool("use_parallel_residual", true));
    }

    @Override
    public boolean attentionBiasDefault() {
        return true;
    }

    @Override
    public LayerTensors tensors(ForwardConfig c, int layer) {
        String p = "gpt_neox.layers." + layer + ".";
        int d = c.model().dModel();
        int hd = c.headDim();
        boolean biased = !c.biasedProjections().isEmpty();
        TensorSlice qkv = TensorSlice.linear(p + "attention.query_key_value.weight", 3 * d, d);
        TensorSlice qkvBias = TensorSlice.bias(p + "attention.query_key_value.bias", 3 * d);
        return new LayerTensors(LayerTensors.Norm.layerNorm(p + "input_layernorm"), null,
                LayerTensors.Norm.layerNorm(p + "post_attention_layernorm"), null, null, null,
                qkv.perBlock(c.heads(), 0, hd), qkv.perBlock(c.heads(), hd, hd), qkv.perBlock(c.heads(), 2 * hd, hd),
                TensorSlice.linear(p + "attention.dense.weight", d, d),
                biased ? qkvBias.perBlock(c.heads(), 0, hd) : null,
                biased ? qkvBias.perBlock(c.heads(), hd, hd) : null,
                biased ? qkvBias.perBlock(c.heads(), 2 * hd, hd) : null,
                biased ? TensorSlice.bias(p + "attention.dense.bias", d) : null,
                p + "mlp.dense_h_to_4h.bias", p + "mlp.dense_4h_to_h.bias", null);
    }

    private Object readResolve() {
        return INSTANCE;
    }
}
