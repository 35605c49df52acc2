package io.neuronatlas.checkpoint;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * What a forward pass needs from config.json beyond the map's {@link ModelConfig}: attention shape, norm epsilon,
 * rotary embedding, context length and special token ids. Messages name config.json's fields, so a bad file says
 * which field to fix.
 *
 * @param model              the map's part: hidden_size, intermediate_size, layers, vocabulary, tied head
 * @param layout             attention and norm tensor names of the model_type
 * @param heads              num_attention_heads
 * @param kvHeads            num_key_value_heads (defaults to heads); query head h reads kv head h / (heads / kvHeads)
 * @param headDim            head_dim when config.json gives one, else hidden_size / num_attention_heads
 * @param rmsNormEps         rms_norm_eps (default 1e-6, as transformers' LlamaConfig)
 * @param ropeTheta          rope_theta (default 10000), from rope_parameters or beside rope_scaling
 * @param ropeScaling        the rope type of rope_parameters (transformers 5) or rope_scaling (transformers 4)
 * @param maxPositions       max_position_embeddings: the longest sequence a forward pass accepts
 * @param slidingWindow      Mistral's sliding_window (Qwen2's when use_sliding_window), 0 for none; sequences are
 *                           limited to it, because windowed attention is not implemented
 * @param activation         hidden_act
 * @param biasedProjections  attention projections with a bias (Qwen2: q, k, v)
 * @param bosTokenId         bos_token_id, or -1 when config.json has none
 * @param eosTokenIds        eos_token_id: one id or a list (Llama-3.1 Instruct has three); empty when absent
 */
public record ForwardConfig(ModelConfig model, DecoderLayout layout, int heads, int kvHeads, int headDim,
                            double rmsNormEps, double ropeTheta, RopeScaling ropeScaling, int maxPositions,
                            int slidingWindow, DecoderLayout.Activation activation,
                            Set<AttentionProjection> biasedProjections, int bosTokenId, List<Integer> eosTokenIds)
        implements Serializable {

    public ForwardConfig {
        if (model == null || layout == null || ropeScaling == null || activation == null) {
            throw new IllegalArgumentException("model, layout, rope_scaling and hidden_act are required");
        }
        if (heads <= 0) {
            throw new IllegalArgumentException("num_attention_heads must be positive, found " + heads);
        }
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("num_key_value_heads=" + kvHeads + " must be positive and divide "
                    + "num_attention_heads=" + heads);
        }
        if (headDim <= 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim must be positive and even (rotary embeddings rotate "
                    + "pairs), found " + headDim);
        }
        if (!(rmsNormEps > 0) || Double.isInfinite(rmsNormEps)) {
            throw new IllegalArgumentException("rms_norm_eps must be a positive number, found " + rmsNormEps);
        }
        if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) {
            throw new IllegalArgumentException("rope_theta must be a positive number, found " + ropeTheta);
        }
        if (maxPositions <= 0) {
            throw new IllegalArgumentException("max_position_embeddings must be positive, found " + maxPositions);
        }
        if (slidingWindow < 0) {
            throw new IllegalArgumentException("sliding_window must not be negative, found " + slidingWindow);
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
        biasedProjections = Set.copyOf(biasedProjections);
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** Query heads that share one key/value head. */
    public int queriesPerKvHead() {
        return heads / kvHeads;
    }

    /**
     * The longest sequence (prompt and generated tokens) a forward pass accepts: max_position_embeddings, or the
     * sliding window when that is shorter.
     */
    public int maxSequence() {
        return slidingWindow > 0 ? Math.min(maxPositions, slidingWindow) : maxPositions;
    }

    /** Reads the config.json in a model folder (bounded and typed by {@link ConfigFile}). */
    public static ForwardConfig read(Path configJson) throws CheckpointException {
        ConfigFile f = ConfigFile.read(configJson);
        try {
            // The family first: a model_type with no forward pass is refused as that, whatever else its config lacks.
            DecoderLayout layout = DecoderLayout.forModelType(f.modelType());
            ModelConfig model = ModelConfig.read(configJson);
            int heads = f.integer("num_attention_heads");
            int kvHeads = f.integer("num_key_value_heads", heads);
            int headDim = f.integer("head_dim", 0);
            if (headDim == 0) {
                if (heads == 0 || model.dModel() % heads != 0) {
                    throw new IllegalArgumentException("hidden_size=" + model.dModel() + " is not a multiple of "
                            + "num_attention_heads=" + heads + " and head_dim is not given");
                }
                headDim = model.dModel() / heads;
            }
            if (f.bool("mlp_bias", false)) {
                throw new IllegalArgumentException("mlp_bias=true: MLP biases have no forward pass yet");
            }
            String hiddenAct = f.text("hidden_act", layout.defaultActivation().configName());
            DecoderLayout.Activation activation = DecoderLayout.Activation.of(hiddenAct);
            if (activation == null) {
                throw new IllegalArgumentException("hidden_act '" + hiddenAct + "' has no forward pass yet "
                        + "(supported: silu)");
            }
            RopeParameters rope = RopeParameters.read(f).requireFits(headDim);
            if (rope.partialRotaryFactor() != 1) {
                throw new IllegalArgumentException("partial_rotary_factor=" + rope.partialRotaryFactor() + ": the "
                        + layout.modelType() + " forward pass rotates whole heads");
            }
            boolean windowed = !"qwen2".equals(layout.modelType()) || f.bool("use_sliding_window", false);
            return new ForwardConfig(model, layout, heads, kvHeads, headDim,
                    f.number("rms_norm_eps", 1e-6, 1e-6), rope.theta(), rope.scaling(),
                    f.integer("max_position_embeddings"),
                    windowed ? f.integer("sliding_window", 0) : 0, activation,
                    layout.biasedProjections(f.bool("attention_bias", false)),
                    f.has("bos_token_id") ? f.integer("bos_token_id", -1) : -1, f.integerOrList("eos_token_id"));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(configJson + ": " + e.getMessage(), e);
        }
    }
}
