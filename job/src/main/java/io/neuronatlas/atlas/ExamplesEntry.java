package io.neuronatlas.atlas;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Objects;

/**
 * The examples catalog's entry of a checkpoint: which run holds its published neuron_examples and
 * neuron_activations, made from which weights and with which parameters (corpus included).
 *
 * @param examinedAt when the run finished computing (ISO-8601 UTC)
 * @param tokens     text tokens examined
 * @param documents  documents examined (empty ones skipped, not counted)
 */
public record ExamplesEntry(@JsonProperty("checkpoint") String checkpoint,
                            @JsonProperty("run") String run,
                            @JsonProperty("fingerprint") String fingerprint,
                            @JsonProperty("examined_at") String examinedAt,
                            @JsonProperty("tokens") long tokens,
                            @JsonProperty("documents") long documents,
                            @JsonProperty("parameters") ExamplesParameters parameters) implements CatalogEntry {
    private static final ObjectMapper JSON = new ObjectMapper();

    public ExamplesEntry {
        Objects.requireNonNull(checkpoint, "checkpoint");
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(parameters, "parameters");
    }

    @Override
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
