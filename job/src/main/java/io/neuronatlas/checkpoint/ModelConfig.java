package io.neuronatlas.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.checkpoint.files.InputFile;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;

/**
 * The part of a Hugging Face config.json the map depends on.
 *
 * @param modelType          config's model_type (llama, mistral, qwen2)
 * @param dModel             hidden_size: width of the residual stream
 * @param dMlp               intermediate_size: neurons per MLP layer
 * @param layers             num_hidden_layers
 * @param vocab              vocab_size: rows of the LM head
 * @param tieWordEmbeddings  the LM head is the input embedding
 * @param torchDtype         torch_dtype as written, for the run record only
 */
public record ModelConfig(String modelType, int dModel, int dMlp, int layers, int vocab, boolean tieWordEmbeddings,
                          String torchDtype) implements Serializable {

    public ModelConfig {
        if (modelType == null || modelType.isBlank()) {
            throw new IllegalArgumentException("model_type is missing");
        }
        requirePositive("hidden_size", dModel);
        requirePositive("intermediate_size", dMlp);
        requirePositive("num_hidden_layers", layers);
        requirePositive("vocab_size", vocab);
    }

    private static void requirePositive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, found " + value);
        }
    }

    /** Real configs are a few KB (a large id2label map makes them hundreds); this much is not a config. */
    static final long MAX_BYTES = 16 * InputFile.MIB;

    public static ModelConfig read(Path configJson) throws CheckpointException {
        JsonNode root;
        byte[] bytes;
        try {
            bytes = InputFile.readRegular(configJson, MAX_BYTES, "a config.json");
        } catch (InputFile.InputFileException e) {
            throw new CheckpointException(e.getMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException(configJson + ": cannot read config: " + e.getMessage(), e);
        }
        try {
            root = new ObjectMapper().readTree(bytes);
        } catch (IOException e) {
            throw new CheckpointException(configJson + ": not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(configJson + ": expected a JSON object");
        }
        try {
            return new ModelConfig(
                    text(root, "model_type", configJson),
                    integer(root, "hidden_size", configJson),
                    integer(root, "intermediate_size", configJson),
                    integer(root, "num_hidden_layers", configJson),
                    integer(root, "vocab_size", configJson),
                    bool(root, "tie_word_embeddings", false, configJson),
                    root.path("torch_dtype").asText(root.path("dtype").asText("unknown")));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(configJson + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode root, String field, Path file) throws CheckpointException {
        JsonNode node = root.get(field);
        if (node == null || !node.isTextual()) {
            throw new CheckpointException(file + ": '" + field + "' is missing or not a string");
        }
        return node.asText();
    }

    /** A JSON boolean, or the default when absent or null: "yes" or 1 is an error, not silently false. */
    private static boolean bool(JsonNode root, String field, boolean absent, Path file) throws CheckpointException {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return absent;
        }
        if (!node.isBoolean()) {
            throw new CheckpointException(file + ": '" + field + "' must be true or false, found " + node);
        }
        return node.booleanValue();
    }

    private static int integer(JsonNode root, String field, Path file) throws CheckpointException {
        JsonNode node = root.get(field);
        if (node == null || !node.canConvertToInt() || !node.isIntegralNumber()) {
            throw new CheckpointException(file + ": '" + field + "' is missing or not an integer (found "
                    + (node == null ? "nothing" : node.toString()) + ")");
        }
        return node.asInt();
    }
}
