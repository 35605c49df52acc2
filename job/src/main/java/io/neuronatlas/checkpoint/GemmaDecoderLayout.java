package io.neuronatlas.checkpoint;

import java.util.List;

/**
 * Gemma, Gemma-2 and Gemma-3 (modeling_gemma*.py): RMSNorm x̂·(1 + w) everywhere, the embedding scaled by
 * √hidden_size, a gelu-tanh gated MLP. Gemma-2 and Gemma-3 add norms on the outputs of attention and MLP
 * (post_attention_layernorm, pre_feedforward_layernorm, post_feedforward_layernorm), scale queries by
 * query_pre_attn_scalar^-½ and alternate sliding and global layers (layer_types, else every 2nd layer global for
 * Gemma-2, every sliding_window_pattern-th (6) for Gemma-3); Gemma-2 caps attention scores
 * (attn_logit_softcapping, default 50); Gemma-3 norms q and k per head and rotates its sliding layers with
 * rope_local_base_freq.
 *
 * @param modelType gemma, gemma2, gemma3_text or gemma3 (the multimodal model's language model)
 * @param prefix    where the text model's layers are, as its {@link GemmaArchitecture} found
 */
record GemmaDecoderLayout(String modelType, String prefix) implements DecoderLayout {

    private boolean sandwich() {
        return !modelType.equals("gemma");
    }

    private boolean gemma3() {
        return modelType.startsWith("gemma3");
    }

    /**
     * Gemma3TextConfig's default_theta: 1e6 for the global layers and 10,000 for the local ones when the file names
     * no base (rope_theta, rope_local_base_freq); Gemma 1 and 2 have Llama's 10,000.
     */
    @Override
    public RopeParameters rope(ConfigFile config, String layerType) throws CheckpointException {
        return RopeParameters.read(config, layerType, gemma3() && !"sliding_attention".equals(layerType)
                ? 1_000_000 : RopeParameters.DEFAULT_THETA);
    }

    /** Gemma-3 writes transformers 5's rope_parameters per layer type: full_attention, sliding_attention. */
    @Override
    public boolean ropePerLayerType() {
        return gemma3();
    }

    @Override
    public ConfigFile textConfig(ConfigFile config) throws CheckpointException {
        return modelType.equals(GemmaArchitecture.MULTIMODAL) ? config.section("text_config",
                "a multimodal Gemma-3 checkpoint describes its language model there") : config;
    }

    /** GemmaConfig turns the legacy hidden_act "gelu" of the first releases into the tanh approximation. */
    @Override
    public Activation activation(String hiddenAct) {
        return "gelu".equals(hiddenAct) ? Activation.GELU_TANH : Activation.of(hiddenAct);
    }

    @Override
    public DecoderBlock block(ConfigFile config, int headDim) throws CheckpointException {
        if (config.bool("use_bidirectional_attention", false)) {
            throw new IllegalArgumentException(config.name("use_bidirectional_attention") + "=true: bidirectional "
                    + "(embedding) Gemma models have no causal forward pass");
        }
        DecoderBlock block = DecoderBlock.llama(headDim);
        double embed = Math.sqrt(config.integer("hidden_size"));
        if (!sandwich()) {
            return block.withScales(embed, block.queryScale(), 0);
        }
        double query = 1 / Math.sqrt(config.number("query_pre_attn_scalar", 256, 256));
        double softcap = config.number("attn_logit_softcapping", gemma3() ? 0 : 50.0, 0);
        block = block.withScales(embed, query, softcap);
        return gemma3() ? block.withQkNorm(DecoderBlock.QkNorm.PER_HEAD) : block;
    }

    @Override
    public List<LayerAttention> layerAttention(ConfigFile config, int layers) throws CheckpointException {
        if (!sandwich()) {
            return LayerAttention.everyLayer(layers, 0);
        }
        int window = config.integer("sliding_window", 4096);
        if (config.has("layer_types")) {
            return LayerAttention.ofTypes(config, config.texts("layer_types"), layers, window, gemma3());
        }
        int pattern = gemma3() ? config.integer("sliding_window_pattern", 6) : 2;
        List<LayerAttention> out = LayerAttention.everyLayer(layers, 0);
        for (int l = 0; l < layers; l++) {
            if ((l + 1) % pattern != 0) {
                out.set(l, new LayerAttention(window, gemma3()));
            }
        }
        return out;
    }

    @Override
    public LayerTensors tensors(ForwardConfig c, int layer) {
        String p = prefix + "layers." + layer + ".";
        String a = p + "self_attn.";
        boolean qk = gemma3();
        return new LayerTensors(LayerTensors.Norm.rms(p + "input_layernorm.weight"),
                sandwich() ? LayerTensors.Norm.rms(p + "post_attention_layernorm.weight") : null,
                LayerTensors.Norm.rms(p + (sandwich() ? "pre_feedforward_layernorm.weight"
                        : "post_attention_layernorm.weight")),
                sandwich() ? LayerTensors.Norm.rms(p + "post_feedforward_layernorm.weight") : null,
                qk ? a + "q_norm.weight" : null, qk ? a + "k_norm.weight" : null,
                Projections.linear(c, this::weight, layer, AttentionProjection.Q),
                Projections.linear(c, this::weight, layer, AttentionProjection.K),
                Projections.linear(c, this::weight, layer, AttentionProjection.V),
                Projections.linear(c, this::weight, layer, AttentionProjection.O),
                Projections.bias(c, this::bias, layer, AttentionProjection.Q),
                Projections.bias(c, this::bias, layer, AttentionProjection.K),
                Projections.bias(c, this::bias, layer, AttentionProjection.V),
                Projections.bias(c, this::bias, layer, AttentionProjection.O), null, null, null);
    }

    private String weight(AttentionProjection p, int layer) {
        return prefix + "layers." + layer + ".self_attn." + p.label() + "_proj.weight";
    }

    private String bias(AttentionProjection p, int layer) {
        return prefix + "layers." + layer + ".self_attn." + p.label() + "_proj.bias";
    }
}
