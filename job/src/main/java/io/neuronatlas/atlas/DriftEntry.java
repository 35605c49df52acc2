package io.neuronatlas.atlas;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * The drift catalog's entry: the published neuron_drift run of a checkpoint against a base (the subject).
 *
 * @param fingerprint the base's fingerprint and the checkpoint's, joined by '+': a change to either reruns
 */
public record DriftEntry(@JsonProperty("checkpoint") String checkpoint,
                         @JsonProperty("subject") String subject,
                         @JsonProperty("run") String run,
                         @JsonProperty("fingerprint") String fingerprint,
                         @JsonProperty("compared_at") String comparedAt,
                         @JsonProperty("parameters") DriftParameters parameters) implements CatalogEntry {
    public DriftEntry {
        Objects.requireNonNull(checkpoint, "checkpoint");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(parameters, "parameters");
    }
}
