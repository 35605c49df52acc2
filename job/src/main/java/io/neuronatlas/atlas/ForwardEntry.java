package io.neuronatlas.atlas;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;

/**
 * The catalog entry of a forward-pass output (clamp sweeps, a validation, generations): which run is published for a
 * checkpoint and subject, from which weights and parameters.
 */
public record ForwardEntry(@JsonProperty("checkpoint") String checkpoint, @JsonProperty("subject") String subject,
                           @JsonProperty("run") String run, @JsonProperty("fingerprint") String fingerprint,
                           @JsonProperty("parameters") ForwardParameters parameters,
                           @JsonProperty("finishedAt") String finishedAt) implements CatalogEntry {
    @Override
    public String toJson() {
        try {
            return new ObjectMapper().writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
