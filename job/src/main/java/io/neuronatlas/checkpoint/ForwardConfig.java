package io.neuronatlas.checkpoint;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * What a forward pass needs from config.json beyond the map's {@link ModelConfig}: attention shape, norm epsilon,
 * rotary embedding, which layers slide, context length and special token ids, read through the family's
 * {@link DecoderLayout}. Messages name config.json's fields, so a bad file says which field to fix.
 *
 * @param model              the map's part: hidden_size, intermediate_size, layers, vocabulary, tied head
 * @param layout             the family's decoder: tensors, block, windows
 * @param norm               every norm's kind (the family's {@link Architecture#norm()})
 * @param heads              num_attention_heads
 * @param kvHeads            num_key_value_heads (defaults to heads); query head h reads kv head h / (heads / kvHeads)
 * @param headDim            head_dim when config.json gives one, else hidden_size / num_attention_heads
 * @param normEps            rms_norm_eps (layer_norm_eps, layer_norm_epsilon)
 * @param ropeTheta          rope_theta (default 10000), from rope_parameters or beside rope_scaling; unused with
 *                           learned positions
 * @param ropeScaling        the rope type of rope_parameters (transformers 5) or rope_scaling (transformers 4)
 * @param localRope          the rope of layers with {@link LayerAttention#localRope()} (Gemma-3's sliding layers:
 *                           rope_parameters.sliding_attention, or rope_local_base_freq unscaled); null when no layer
 *                           has one
 * @param maxPositions       max_position_embeddings: the longest sequence (prompt and generated tokens) a forward
 *                           pass accepts, whatever the rope type (dynamic NTK, which would stretch the context past
 *                           it, included: the model was not trained there)
 * @param layerAttention     each layer's sliding window and rotary base
 * @param block              what the layer does besides Llama's
 * @param activation         hidden_act
 * @param biasedProjections  attention projections with a bias (Qwen2: q, k, v)
 * @param bosTokenId         bos_token_id, or -1 when config.json has none
 * @param eosTokenIds        eos_token_id: one id or a list (Llama-3.1 Instruct has three); empty when absent
 */
public record ForwardConfig(ModelConfig model, DecoderLayout layout, NormKind norm, int heads, int kvHeads,
                            int headDim, double normEps, double ropeTheta, RopeScaling ropeScaling,
                            RopeParameters localRope, int maxPositions, List<LayerAttention> layerAttention,
                            DecoderBlock block, DecoderLayout.Activation activation,
                            Set<AttentionProjection> biasedProjections, int bosTokenId, List<Integer> eosTokenIds)
        implements Serializable {

    public ForwardConfig {
        if (model == null || layout == null || norm == null || ropeScaling == null || activation == null
                || block == null) {
            throw new IllegalArgumentException("model, layout, norm, block, rope_scaling and hidden_act are required");
        }
        if (heads <= 0) {
            throw new IllegalArgumentException("num_attention_heads must be positive, found " + heads);
        }
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("num_key_value_heads=" + kvHeads + " must be positive and divide "
                    + "num_attention_heads=" + heads);
        }
        if (headDim <= 0 || block.rotaryDim(headDim) % 2 != 0) {
            throw new IllegalArgumentException("head_dim must be positive and its rotated part even (rotary "
                    + "embeddings rotate pairs), found head_dim=" + headDim + ", rotated " + block.rotaryDim(headDim));
        }
        if (!(normEps > 0) || Double.isInfinite(normEps)) {
            throw new IllegalArgumentException("rms_norm_eps must be a positive number, found " + normEps);
        }
        if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) {
            throw new IllegalArgumentException("rope_theta must be a positive number, found " + ropeTheta);
        }
        if (maxPositions <= 0) {
            throw new IllegalArgumentException("max_position_embeddings must be positive, found " + maxPositions);
        }
        if (layerAttention.size() != model.layers()) {
            throw new IllegalArgumentException(layerAttention.size() + " layer attention kinds for "
                    + model.layers() + " layers");
        }
        if (layerAttention.stream().anyMatch(LayerAttention::localRope) && localRope == null) {
            throw new IllegalArgumentException("layers rotate with a local base but rope_local_base_freq is not set");
        }
        if (bosTokenId < -1 || bosTokenId >= model.vocab()) {
            throw new IllegalArgumentException("bos_token_id=" + bosTokenId + " is outside the vocabulary [0, "
                    + model.vocab() + ")");
        }
        for (int eos : eosTokenIds) {
            if (eos < 0 || eos >= model.vocab()) {
                throw new IllegalArgumentException("eos_token_id " + eos + " is outside the vocabulary [0, "
                        + model.vocab() + ")");
            }
        }
        layerAttention = List.copyOf(layerAttention);
        biasedProjections = Set.copyOf(biasedProjections);
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** Query heads that share one key/value head. */
    public int queriesPerKvHead() {
        return heads / kvHeads;
    }

    /** Reads the config.json in a model folder (bounded and typed by {@link ConfigFile}). */
    public static ForwardConfig read(Path configJson) throws CheckpointException {
        ConfigFile f = ConfigFile.read(configJson);
        try {
            // The family first: a model_type with no forward pass is refused as that, whatever else its config lacks.
            DecoderLayout layout = DecoderLayout.forModelType(f.modelType());
            ModelConfig model = ModelConfig.read(configJson);
            ConfigFile c = layout.textConfig(f);
            DecoderLayout.ConfigKeys keys = layout.keys();
            int heads = c.integer(keys.heads());
            int kvHeads = keys.kvHeads() == null ? heads : c.integer(keys.kvHeads(), heads);
            int headDim = c.integer("head_dim", 0);
            if (headDim == 0) {
                if (heads == 0 || model.dModel() % heads != 0) {
                    throw new IllegalArgumentException("hidden_size=" + model.dModel() + " is not a multiple of "
                            + c.name(keys.heads()) + "=" + heads + " and head_dim is not given");
                }
                headDim = model.dModel() / heads;
            }
            if (c.bool("mlp_bias", false)) {
                throw new IllegalArgumentException("mlp_bias=true: MLP biases have no forward pass yet");
            }
            DecoderLayout.Activation activation = layout.activation(model.hiddenAct());
            if (activation == null) {
                throw new IllegalArgumentException("hidden_act '" + model.hiddenAct() + "' has no forward pass yet "
                        + "(supported: " + DecoderLayout.Activation.supported() + ")");
            }
            List<LayerAttention> layers = layout.layerAttention(c, model.layers());
            boolean local = layers.stream().anyMatch(LayerAttention::localRope);
            // Gemma-3 nests transformers 5's rope_parameters by layer type: global layers read full_attention's.
            RopeParameters rope = layout.rope(c, layout.ropePerLayerType() ? "full_attention" : null);
            RopeParameters localRope = local ? layout.rope(c, "sliding_attention") : null;
            DecoderBlock block = layout.block(c, headDim);
            if (block.rotaryFraction() > 0) { // not for learned positions
                rope.requireFits(headDim);
                if (localRope != null) {
                    localRope.requireFits(headDim);
                }
                if (Projections.givesPartialRotary(c)) {
                    block = block.withRotary(rope.partialRotaryFactor(), block.parallelResidual());
                }
            }
            int bos = c.has("bos_token_id") ? c.integer("bos_token_id", -1)
                    : f.has("bos_token_id") ? f.integer("bos_token_id", -1) : -1;
            List<Integer> eos = c.has("eos_token_id") ? c.integerOrList("eos_token_id")
                    : f.integerOrList("eos_token_id");
            return new ForwardConfig(model, layout, Architectures.forModelType(f.modelType()).norm(), heads, kvHeads,
                    headDim, c.number(keys.normEps(), keys.epsDefault(), keys.epsDefault()), rope.theta(),
                    rope.scaling(), localRope,
                    c.integer(keys.maxPositions()), layers, block, activation,
                    layout.biasedProjections(c.bool(layout.attentionBiasKey(), layout.attentionBiasDefault())),
                    bos, eos);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(configJson + ": " + e.getMessage(), e);
        }
    }
}
