package io.neuronatlas.report;

/**
 * The data keys of the site (a key K is the file data/K.js), one function per kind. site/core.js builds the same
 * keys in the page; keep the two in step.
 *
 * <p>Neuron shards hold a run of neuron indices of one layer in every mapped matrix, so the page of up_proj
 * neuron 1442 finds the gate and down neurons of the same index in the file it loaded. A mixture-of-experts layer
 * adds its expert as one more segment, E and the atlas's expert column: {@code neurons/c0/L3/E5/160} for routed
 * expert 5, {@code neurons/c0/L3/Eshared/160} for the shared expert; a dense layer (of a dense model or of a
 * mixture) has none.
 */
public final class SiteKeys {
    public static final String ATLAS = "atlas";

    private SiteKeys() {
    }

    /**
     * The shard of the neurons first .. first + neurons_per_shard - 1 of a layer and expert ("5", "shared", or
     * null for a dense MLP).
     */
    public static String neuronShard(int checkpointIndex, int layer, String expert, int first) {
        return "neurons/c" + checkpointIndex + "/L" + layer + (expert == null ? "" : "/E" + expert) + "/" + first;
    }

    public static String searchShard(int bucket) {
        return "search/" + bucket;
    }

    /** The home page's per-layer alignment distributions of one checkpoint. */
    public static String alignment(int checkpointIndex) {
        return "alignment/c" + checkpointIndex;
    }
}
