package io.neuronatlas.atlas;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * What every catalog entry says, whatever its kind: which run of which checkpoint (and subject) is published. Read
 * this way, a catalog can be listed without knowing the kind's own entry record.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PublishedRun(@JsonProperty("checkpoint") String checkpoint,
                           @JsonProperty("subject") String subject,
                           @JsonProperty("run") String run) {
    public PublishedRun {
        Objects.requireNonNull(checkpoint, "checkpoint");
        Objects.requireNonNull(run, "run");
        subject = subject == null ? "" : subject;
    }
}
