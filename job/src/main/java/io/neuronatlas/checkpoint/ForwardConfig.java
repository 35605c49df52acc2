package io.neuronatlas.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * @param ropeTheta          rope_theta (default 10000)
 * @param ropeScaling        rope_scaling
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

    /** Reads the config.json in a model folder. */
    public static ForwardConfig read(Path configJson) throws CheckpointException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(configJson));
        } catch (IOException e) {
            throw new CheckpointException(configJson + ": cannot read config: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(configJson + ": expected a JSON object");
        }
        try {
            ModelConfig model = ModelConfig.read(configJson);
            DecoderLayout layout = DecoderLayout.forModelType(model.modelType());
            Fields f = new Fields(root);
            int heads = f.integer("num_attention_heads");
            int kvHeads = f.optionalInteger("num_key_value_heads", heads);
            int headDim = f.optionalInteger("head_dim", 0);
            if (headDim == 0) {
                if (model.dModel() % heads != 0) {
                    throw new IllegalArgumentException("hidden_size=" + model.dModel() + " is not a multiple of "
                            + "num_attention_heads=" + heads + " and head_dim is not given");
                }
                headDim = model.dModel() / heads;
            }
            if (f.bool("mlp_bias", false)) {
                throw new IllegalArgumentException("mlp_bias=true: MLP biases have no forward pass yet");
            }
            String hiddenAct = root.path("hidden_act").asText(layout.defaultActivation().configName());
            DecoderLayout.Activation activation = DecoderLayout.Activation.of(hiddenAct);
            if (activation == null) {
                throw new IllegalArgumentException("hidden_act '" + hiddenAct + "' has no forward pass yet "
                        + "(supported: silu)");
            }
            boolean windowed = !"qwen2".equals(layout.modelType()) || f.bool("use_sliding_window", false);
            return new ForwardConfig(model, layout, heads, kvHeads, headDim,
                    f.number("rms_norm_eps", 1e-6), f.number("rope_theta", 10000.0), ropeScaling(root),
                    f.integer("max_position_embeddings"), windowed ? f.optionalInteger("sliding_window", 0) : 0,
                    activation, layout.biasedProjections(f.bool("attention_bias", false)),
                    f.optionalInteger("bos_token_id", -1), f.integers("eos_token_id"));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(configJson + ": " + e.getMessage(), e);
        }
    }

    private static RopeScaling ropeScaling(JsonNode root) {
        JsonNode node = root.get("rope_scaling");
        if (node == null || node.isNull()) {
            return RopeScaling.NONE;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("rope_scaling must be an object or null, found " + node);
        }
        JsonNode typeNode = node.has("rope_type") ? node.get("rope_type") : node.get("type");
        if (typeNode == null || !typeNode.isTextual()) {
            throw new IllegalArgumentException("rope_scaling needs a rope_type (or type) string, found " + node);
        }
        RopeScaling.Kind kind = RopeScaling.Kind.of(typeNode.asText());
        if (kind == null) {
            throw new IllegalArgumentException("rope_scaling.rope_type '" + typeNode.asText() + "' has no forward "
                    + "pass yet (supported: default, linear, llama3)");
        }
        Fields f = new Fields(node, "rope_scaling.");
        return switch (kind) {
            case NONE -> RopeScaling.NONE;
            case LINEAR -> RopeScaling.linear(f.requiredNumber("factor"));
            case LLAMA3 -> RopeScaling.llama3(f.requiredNumber("factor"), f.requiredNumber("low_freq_factor"),
                    f.requiredNumber("high_freq_factor"), f.integer("original_max_position_embeddings"));
        };
    }

    /** Typed reads of config fields; a missing or mistyped field fails with its name. */
    private record Fields(JsonNode root, String prefix) {
        Fields(JsonNode root) {
            this(root, "");
        }

        /** The field's value, or null when it is absent or JSON null. */
        private JsonNode value(String field) {
            JsonNode node = root.get(field);
            return node == null || node.isNull() ? null : node;
        }

        private JsonNode required(String field) {
            JsonNode node = value(field);
            if (node == null) {
                throw new IllegalArgumentException(prefix + field + " is missing");
            }
            return node;
        }

        int integer(String field) {
            return asInt(field, required(field));
        }

        int optionalInteger(String field, int absent) {
            JsonNode node = value(field);
            return node == null ? absent : asInt(field, node);
        }

        private int asInt(String field, JsonNode node) {
            if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                throw new IllegalArgumentException(prefix + field + " must be an integer, found " + node);
            }
            return node.asInt();
        }

        double requiredNumber(String field) {
            return asNumber(field, required(field));
        }

        double number(String field, double absent) {
            JsonNode node = value(field);
            return node == null ? absent : asNumber(field, node);
        }

        private double asNumber(String field, JsonNode node) {
            if (!node.isNumber()) {
                throw new IllegalArgumentException(prefix + field + " must be a number, found " + node);
            }
            return node.asDouble();
        }

        boolean bool(String field, boolean absent) {
            JsonNode node = value(field);
            if (node == null) {
                return absent;
            }
            if (!node.isBoolean()) {
                throw new IllegalArgumentException(prefix + field + " must be true or false, found " + node);
            }
            return node.asBoolean();
        }

        /** One integer, a list of them, or nothing. */
        List<Integer> integers(String field) {
            JsonNode node = value(field);
            List<Integer> ids = new ArrayList<>();
            if (node == null) {
                return ids;
            }
            if (node.isArray()) {
                for (JsonNode item : node) {
                    ids.add(asInt(field, item));
                }
            } else {
                ids.add(asInt(field, node));
            }
            return ids;
        }
    }
}
