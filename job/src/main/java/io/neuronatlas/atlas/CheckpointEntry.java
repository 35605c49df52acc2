package io.neuronatlas.atlas;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * One row of the atlas's checkpoints table, the map's {@link Catalog}: what a checkpoint is (fingerprint, model
 * type, shapes, dtype), how it was mapped (output parameters, when) and which run's files are its published map.
 * Replacing this row is what publishes a map run.
 *
 * @param run       the published run id: table rows live under {@code TABLE/checkpoint=NAME/run=RUN/}
 * @param dtype     the stored dtypes of the tensors the map reads, e.g. "BF16"
 * @param mappedAt  when the published run finished computing (ISO-8601 UTC)
 */
public record CheckpointEntry(@JsonProperty("checkpoint") String checkpoint,
                              @JsonProperty("run") String run,
                              @JsonProperty("fingerprint") String fingerprint,
                              @JsonProperty("model_type") String modelType,
                              @JsonProperty("shapes") Shapes shapes,
                              @JsonProperty("dtype") String dtype,
                              @JsonProperty("mapped_at") String mappedAt,
                              @JsonProperty("parameters") OutputParameters parameters) implements CatalogEntry {
    /**
     * The model's dimensions, from config.json (checked against the tensors when the checkpoint was opened).
     *
     * @param dMlp      neurons of a dense MLP layer
     * @param experts   routed experts per sparse layer; 0 for a dense model (and in entries written before experts)
     * @param dExpert   neurons per routed expert, 0 for a dense model
     * @param dShared   neurons of the shared expert, 0 without one
     */
    public record Shapes(@JsonProperty("layers") int layers, @JsonProperty("d_model") int dModel,
                         @JsonProperty("d_mlp") int dMlp, @JsonProperty("vocab") int vocab,
                         @JsonProperty("experts") int experts, @JsonProperty("d_expert") int dExpert,
                         @JsonProperty("d_shared_expert") int dShared) {
        /** A dense model's shapes. */
        public Shapes(int layers, int dModel, int dMlp, int vocab) {
            this(layers, dModel, dMlp, vocab, 0, 0, 0);
        }
    }

    public CheckpointEntry {
        Objects.requireNonNull(checkpoint, "checkpoint");
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(parameters, "parameters");
    }
}
