package io.neuronatlas.atlas;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * The examples catalog's entry of a checkpoint: which run holds its published neuron_examples and
 * neuron_activations, made from which weights and with which parameters (corpus included).
 *
 * @param subject    the layers examined ("all", or "layers-0-3_8"): each layer selection is published on its own, so
 *                   an 8B model can be examined a few layers per run
 * @param examinedAt when the run finished computing (ISO-8601 UTC)
 * @param tokens     text tokens examined
 * @param documents  documents examined (empty ones skipped, not counted)
 */
public record ExamplesEntry(@JsonProperty("checkpoint") String checkpoint,
                            @JsonProperty("subject") String subject,
                            @JsonProperty("run") String run,
                            @JsonProperty("fingerprint") String fingerprint,
                            @JsonProperty("examined_at") String examinedAt,
                            @JsonProperty("tokens") long tokens,
                            @JsonProperty("documents") long documents,
                            @JsonProperty("parameters") ExamplesParameters parameters) implements CatalogEntry {
    public ExamplesEntry {
        Objects.requireNonNull(checkpoint, "checkpoint");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(parameters, "parameters");
    }

    /** The subject of a layer selection: "all" for every layer of the model, else its ranges. */
    public static String subject(java.util.List<Integer> layers, int modelLayers) {
        if (layers.size() == modelLayers) {
            return "all";
        }
        StringBuilder b = new StringBuilder("layers-");
        for (int i = 0; i < layers.size(); ) {
            int j = i;
            while (j + 1 < layers.size() && layers.get(j + 1) == layers.get(j) + 1) {
                j++;
            }
            b.append(i == 0 ? "" : "_").append(layers.get(i)).append(j > i ? "-" + layers.get(j) : "");
            i = j + 1;
        }
        return b.toString();
    }
}
