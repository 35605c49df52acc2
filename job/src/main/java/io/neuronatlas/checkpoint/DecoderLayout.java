package io.neuronatlas.checkpoint;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A family's decoder for the forward pass, as data and small strategies the one decoder stack
 * ({@code compute/forward/DecoderStack}) reads: the config.json fields of the attention shape, the tensors of each
 * layer ({@link LayerTensors}), what the layer does besides Llama's ({@link DecoderBlock}), which layers slide
 * ({@link LayerAttention}). The MLP's matrices, embedding, final norm and head come from its {@link Architecture}.
 * Adding a family's forward pass is one implementation returned from its {@link Architecture#decoders()}; the stack
 * reads nothing else about the family.
 */
public interface DecoderLayout extends Serializable {

    /** Activations of an MLP, by config.json's hidden_act (hidden_activation, activation_function) name. */
    enum Activation {
        /** silu(x) = x · sigmoid(x). */
        SILU("silu", "swish"),
        /** The tanh approximation of GELU: gelu_pytorch_tanh (Gemma), gelu_new (GPT-2), gelu_fast. */
        GELU_TANH("gelu_pytorch_tanh", "gelu_new", "gelu_fast"),
        /** GELU with erf: x·Φ(x) (GPT-NeoX's "gelu"). */
        GELU("gelu"),
        RELU("relu"),
        /**
         * gpt-oss's experts, whatever hidden_act says (GptOssExperts ignores it): a gated unit of its own,
         * clamp(gate, max=7)·σ(1.702·clamp(gate, max=7))·(clamp(up, −7, 7) + 1); no config.json name.
         */
        CLAMPED_SWIGLU();

        private final List<String> configNames;

        Activation(String... configNames) {
            this.configNames = List.of(configNames);
        }

        public String configName() {
            return configNames.isEmpty() ? name().toLowerCase(java.util.Locale.ROOT) : configNames.get(0);
        }

        /** The activation hidden_act names, or null when there is no forward pass for it. */
        public static Activation of(String hiddenAct) {
            for (Activation a : values()) {
                if (a.configNames.contains(hiddenAct)) {
                    return a;
                }
            }
            return null;
        }

        static String supported() {
            List<String> names = new ArrayList<>();
            for (Activation a : values()) {
                names.addAll(a.configNames);
            }
            return String.join(", ", names);
        }
    }

    /**
     * The config.json names of the attention shape and norm, where a family does not use transformers' common ones.
     *
     * @param heads        num_attention_heads (GPT-2: n_head)
     * @param kvHeads      num_key_value_heads, or null when the family has no grouped-query attention
     * @param maxPositions max_position_embeddings (GPT-2: n_positions)
     * @param normEps      rms_norm_eps, layer_norm_eps, layer_norm_epsilon
     * @param epsDefault   the family's config class default of normEps
     */
    record ConfigKeys(String heads, String kvHeads, String maxPositions, String normEps, double epsDefault)
            implements Serializable {
        public static final ConfigKeys STANDARD = new ConfigKeys("num_attention_heads", "num_key_value_heads",
                "max_position_embeddings", "rms_norm_eps", 1e-6);
    }

    /** The model_type of config.json this layout describes. */
    String modelType();

    default ConfigKeys keys() {
        return ConfigKeys.STANDARD;
    }

    /** The section of config.json that describes the text decoder: the file itself, or multimodal text_config. */
    default ConfigFile textConfig(ConfigFile config) throws CheckpointException {
        return config;
    }

    /** The activation a config.json name stands for in this family (Gemma reads a legacy "gelu" as tanh). */
    default Activation activation(String hiddenAct) {
        return Activation.of(hiddenAct);
    }

    /** What the layer does besides Llama's, given config.json (the text section) and the head dimension. */
    default DecoderBlock block(ConfigFile config, int headDim) throws CheckpointException {
        return DecoderBlock.llama(headDim);
    }

    /** Each layer's attention window and rotary base; every layer full by default. */
    default List<LayerAttention> layerAttention(ConfigFile config, int layers) throws CheckpointException {
        return LayerAttention.everyLayer(layers, 0);
    }

    /**
     * The projections that carry a bias, given config.json's {@code attention_bias} (false when absent). Some
     * families ignore the flag: Qwen2's q, k and v always have one.
     */
    default Set<AttentionProjection> biasedProjections(boolean attentionBiasFlag) {
        return attentionBiasFlag ? EnumSet.allOf(AttentionProjection.class) : EnumSet.noneOf(AttentionProjection.class);
    }

    /** The config.json flag that gives attention projections biases (Qwen2-MoE: qkv_bias). */
    default String attentionBiasKey() {
        return "attention_bias";
    }

    /** The default of config.json's attention_bias in this family. */
    default boolean attentionBiasDefault() {
        return false;
    }

    /** Whether transformers 5 nests rope_parameters by layer type in this family (Gemma-3). */
    default boolean ropePerLayerType() {
        return false;
    }

    /**
     * The rope of a layer type (null: the model's one rope) as the family's config class reads config.json:
     * {@link RopeParameters#read}, with transformers' RotaryEmbeddingConfigMixin defaults (rope_theta 10000, no
     * scaling) unless the family's class has its own.
     */
    default RopeParameters rope(ConfigFile config, String layerType) throws CheckpointException {
        return RopeParameters.read(config, layerType);
    }

    /**
     * Whether an RMSNorm multiplies by its weight in float32, before the cast back to the model's precision (gpt-oss:
     * (w·x̂).to(dtype)), rather than after it (Llama: w·x̂.to(dtype)); the two differ in half precision only.
     */
    default boolean rmsWeightInFloat32() {
        return false;
    }

    /** A learned position embedding [max_positions, d_model] added to the token embedding (GPT-2), or null. */
    default String positionEmbedding() {
        return null;
    }

    /** The tensors of layer l besides its MLP matrices. */
    LayerTensors tensors(ForwardConfig config, int layer);

    /**
     * The router and shared-expert gate of layer l when it is a mixture of experts (its experts are the
     * {@link ModelConfig#mlpBlocks} of the layer), or null for a dense layer.
     */
    default MixtureTensors mixture(ForwardConfig config, int layer) {
        return null;
    }

    /** Every layout with a forward pass, in the order error messages list them. */
    static List<DecoderLayout> all() {
        List<DecoderLayout> all = new ArrayList<>();
        for (Architecture architecture : Architectures.ALL) {
            all.addAll(architecture.decoders());
        }
        return all;
    }

    /**
     * The layout of a model_type, as its {@link Architecture} describes it.
     *
     * @throws IllegalArgumentException "no forward pass yet for model_type X (supported: ...)"
     */
    static DecoderLayout forModelType(String modelType) {
        List<String> supported = new ArrayList<>();
        for (DecoderLayout layout : all()) {
            if (layout.modelType().equals(modelType)) {
                return layout;
            }
            supported.add(layout.modelType());
        }
        throw new IllegalArgumentException("no forward pass yet for model_type '" + modelType + "' (supported: "
                + String.join(", ", supported) + ")");
    }
}
