package io.neuronatlas.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.checkpoint.files.InputFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A config.json object as an architecture reads it: typed fields whose errors name the file and the field. A field that
 * is absent or null takes the default the family's transformers config class gives it, where the caller passes one;
 * the fields every family must state are required.
 */
public final class ConfigFile {
    private final Path path;
    private final JsonNode root;
    private final JsonNode object;
    private final String scope;

    private ConfigFile(Path path, JsonNode root, JsonNode object, String scope) {
        this.path = path;
        this.root = root;
        this.object = object;
        this.scope = scope;
    }

    /** Real configs are a few KB (a large id2label map makes them hundreds); this much is not a config. */
    static final long MAX_BYTES = 16 * InputFile.MIB;

    public static ConfigFile read(Path path) throws CheckpointException {
        byte[] bytes;
        try {
            bytes = InputFile.readRegular(path, MAX_BYTES, "a config.json");
        } catch (InputFile.InputFileException e) {
            throw new CheckpointException(e.getMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot read config: " + e.getMessage(), e);
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(bytes);
        } catch (IOException e) {
            throw new CheckpointException(path + ": not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(path + ": expected a JSON object");
        }
        return new ConfigFile(path, root, root, "");
    }

    public Path path() {
        return path;
    }

    /** The top-level model_type. */
    public String modelType() throws CheckpointException {
        JsonNode node = root.get("model_type");
        if (node == null || !node.isTextual() || node.asText().isBlank()) {
            throw new CheckpointException(path + ": 'model_type' is missing or not a string");
        }
        return node.asText();
    }

    /** torch_dtype (or dtype, its newer name) of the top level as written, for the run record only. */
    public String dtype() {
        return root.path("torch_dtype").asText(root.path("dtype").asText("unknown"));
    }

    /** Whether this object has the field with a non-null value. */
    public boolean has(String field) {
        JsonNode node = object.get(field);
        return node != null && !node.isNull();
    }

    /** Whether this object has the field as a JSON object. */
    public boolean isObject(String field) {
        JsonNode node = object.get(field);
        return node != null && node.isObject();
    }

    /**
     * The first of a field's names this object has (transformers 4 and 5 spell some fields differently: Qwen3-MoE's
     * num_experts is num_local_experts in transformers 5), or the first name when it has none, so that a message
     * about a missing field names that one.
     */
    public String spelling(String name, String... others) {
        for (String other : others) {
            if (!has(name) && has(other)) {
                return other;
            }
        }
        return name;
    }

    /**
     * The nested object {@code field} (a multimodal model's text_config), whose fields are then named
     * "text_config.hidden_size" in messages.
     *
     * @throws CheckpointException naming {@code why} when it is absent or not an object
     */
    public ConfigFile section(String field, String why) throws CheckpointException {
        JsonNode node = object.get(field);
        if (node == null || !node.isObject()) {
            throw new CheckpointException(path + ": '" + scope + field + "' is " + (node == null ? "missing" : node)
                    + "; " + why);
        }
        return new ConfigFile(path, root, node, scope + field + ".");
    }

    /** A required positive integer. */
    public int integer(String field) throws CheckpointException {
        if (!has(field)) {
            throw new CheckpointException(path + ": '" + scope + field + "' is missing or not an integer (found "
                    + (object.get(field) == null ? "nothing" : object.get(field).toString()) + ")");
        }
        return integer(field, 0);
    }

    /** A positive integer, or {@code fallback} when absent or null. */
    public int integer(String field, int fallback) throws CheckpointException {
        if (!has(field)) {
            return fallback;
        }
        JsonNode node = object.get(field);
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < 0) {
            throw new CheckpointException(path + ": '" + scope + field + "' must be a non-negative integer, found "
                    + node);
        }
        return node.asInt();
    }

    /** A number, or {@code fallback} when absent; {@code whenNull} when it is written as null. */
    public double number(String field, double fallback, double whenNull) throws CheckpointException {
        JsonNode node = object.get(field);
        if (node == null) {
            return fallback;
        }
        if (node.isNull()) {
            return whenNull;
        }
        if (!node.isNumber() || !Double.isFinite(node.asDouble())) {
            throw new CheckpointException(path + ": '" + scope + field + "' must be a number or null, found " + node);
        }
        return node.asDouble();
    }

    /** A required finite number. */
    public double number(String field) throws CheckpointException {
        if (!has(field)) {
            throw new CheckpointException(path + ": '" + scope + field + "' is missing");
        }
        return number(field, 0, 0);
    }

    public boolean bool(String field, boolean fallback) throws CheckpointException {
        if (!has(field)) {
            return fallback;
        }
        JsonNode node = object.get(field);
        if (!node.isBoolean()) {
            throw new CheckpointException(path + ": '" + scope + field + "' must be true or false, found " + node);
        }
        return node.asBoolean();
    }

    public String text(String field, String fallback) {
        return has(field) && object.get(field).isTextual() ? object.get(field).asText() : fallback;
    }

    /** A list of integers (Qwen-MoE's mlp_only_layers), empty when absent or null. */
    public List<Integer> integers(String field) throws CheckpointException {
        List<Integer> values = new ArrayList<>();
        if (!has(field)) {
            return values;
        }
        JsonNode node = object.get(field);
        if (!node.isArray()) {
            throw new CheckpointException(path + ": '" + scope + field + "' must be a list of integers, found "
                    + node);
        }
        for (JsonNode item : node) {
            if (!item.isIntegralNumber() || !item.canConvertToInt()) {
                throw new CheckpointException(path + ": '" + scope + field + "' must be a list of integers, found "
                        + node);
            }
            values.add(item.asInt());
        }
        return values;
    }

    /** A list of finite numbers (longrope's short_factor); required. */
    public List<Double> numbers(String field) throws CheckpointException {
        JsonNode node = object.get(field);
        if (node == null || !node.isArray()) {
            throw new CheckpointException(path + ": '" + scope + field + "' must be a list of numbers, found "
                    + (node == null ? "nothing" : node));
        }
        List<Double> values = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isNumber() || !Double.isFinite(item.asDouble())) {
                throw new CheckpointException(path + ": '" + scope + field + "' must be a list of numbers, found "
                        + node);
            }
            values.add(item.asDouble());
        }
        return values;
    }

    /** One non-negative integer or a list of them (eos_token_id), empty when absent or null. */
    public List<Integer> integerOrList(String field) throws CheckpointException {
        if (has(field) && !object.get(field).isArray()) {
            return new ArrayList<>(List.of(integer(field, 0)));
        }
        return integers(field);
    }

    /** How a field is named in messages: "hidden_size", or "text_config.hidden_size" in a section. */
    public String name(String field) {
        return scope + field;
    }

    /** A list of strings (layer_types), empty when absent or null. */
    public List<String> texts(String field) throws CheckpointException {
        List<String> values = new ArrayList<>();
        if (!has(field)) {
            return values;
        }
        JsonNode node = object.get(field);
        if (!node.isArray()) {
            throw new CheckpointException(path + ": '" + scope + field + "' must be a list of strings, found " + node);
        }
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw new CheckpointException(path + ": '" + scope + field + "' must be a list of strings, found "
                        + node);
            }
            values.add(item.asText());
        }
        return values;
    }
}
