package io.neuronatlas.atlas;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The parameters that decide a map's rows, and only those: a checkpoint whose fingerprint and output parameters
 * equal the published ones is up to date. Shard size, batch size and device change how the rows are computed,
 * not what they are, so they are left out. A new option that changes the rows belongs here (one component), and
 * every comparison picks it up through record equality.
 *
 * @param matrices     mapped matrices, in gate, up, down order
 * @param layers       mapped layers, ascending
 * @param lmHeadTensor the tensor the neurons are projected through
 * @param watch        the tokens map --watch profiles for every neuron, as text in the order given
 * @param censusKurtosis the {@link io.neuronatlas.compute.CensusRule}'s threshold; 0 in runs from before the census
 *                     columns
 */
public record OutputParameters(@JsonProperty("matrices") List<String> matrices,
                               @JsonProperty("layers") List<Integer> layers,
                               @JsonProperty("top_k") int topK,
                               @JsonProperty("fold_norm") boolean foldNorm,
                               @JsonProperty("lm_head_tensor") String lmHeadTensor,
                               @JsonProperty("watch") List<String> watch,
                               @JsonProperty("census_kurtosis") double censusKurtosis) implements RunParameters {
    public OutputParameters {
        matrices = List.copyOf(matrices);
        layers = layers.stream().sorted().distinct().toList();
        watch = watch == null ? List.of() : List.copyOf(watch);
    }

    @Override
    public String differences(RunParameters parameters) {
        OutputParameters other = (OutputParameters) parameters;
        return new ParameterDiff()
                .add("matrices", matrices, other.matrices)
                .add("layers", layers, other.layers)
                .add("top_k", topK, other.topK)
                .add("fold_norm", foldNorm, other.foldNorm)
                .add("lm_head_tensor", lmHeadTensor, other.lmHeadTensor)
                .add("watch", watch, other.watch)
                .add("census_kurtosis", censusKurtosis, other.censusKurtosis).toString();
    }

    /** Whether the run wrote the census columns (runs from before them have no threshold). */
    public boolean hasCensus() {
        return censusKurtosis > 0;
    }
}
