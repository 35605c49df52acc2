package io.neuronatlas.atlas;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What decides a drift run's rows besides the two checkpoints' weights (their fingerprints): the matrices and layers
 * compared, the top-k of the sets compared, and the LM heads' folding, all taken from the base's map.
 */
public record DriftParameters(@JsonProperty("base") String base,
                              @JsonProperty("matrices") List<String> matrices,
                              @JsonProperty("layers") List<Integer> layers,
                              @JsonProperty("top_k") int topK,
                              @JsonProperty("fold_norm") boolean foldNorm) implements RunParameters {
    public DriftParameters {
        matrices = List.copyOf(matrices);
        layers = List.copyOf(layers);
    }

    @Override
    public String differences(RunParameters parameters) {
        DriftParameters other = (DriftParameters) parameters;
        StringBuilder d = new StringBuilder();
        for (Object[] c : new Object[][] {{"base", base, other.base}, {"matrices", matrices, other.matrices},
            {"layers", layers, other.layers}, {"top_k", topK, other.topK}, {"fold_norm", foldNorm, other.foldNorm}}) {
            if (!c[1].equals(c[2])) {
                d.append(d.isEmpty() ? "" : ", ").append(c[0]).append(' ').append(c[1]).append(" -> ").append(c[2]);
            }
        }
        return d.toString();
    }
}
