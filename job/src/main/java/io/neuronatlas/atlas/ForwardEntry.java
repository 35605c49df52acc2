package io.neuronatlas.atlas;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The catalog entry of a forward-pass output (clamp sweeps, a validation, generations): which run is published for a
 * checkpoint and subject, from which weights and parameters.
 */
public record ForwardEntry(@JsonProperty("checkpoint") String checkpoint, @JsonProperty("subject") String subject,
                           @JsonProperty("run") String run, @JsonProperty("fingerprint") String fingerprint,
                           @JsonProperty("parameters") ForwardParameters parameters,
                           @JsonProperty("finishedAt") String finishedAt) implements CatalogEntry {
}
