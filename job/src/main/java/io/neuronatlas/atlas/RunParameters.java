package io.neuronatlas.atlas;

/**
 * The parameters that decide a kind's rows, and only those, as its catalog entries keep them: an output whose
 * checkpoint fingerprint and parameters equal the published ones is up to date. Implementations are records, so
 * equality is component by component and a new component that changes the rows is picked up by every comparison.
 */
public interface RunParameters {
    /** The components that differ in other, as "top_k 5 -> 6, fold_norm false -> true", for the console. */
    String differences(RunParameters other);
}
