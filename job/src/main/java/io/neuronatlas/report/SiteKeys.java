package io.neuronatlas.report;

/**
 * The data keys of the site (a key K is the file data/K.js), one function per kind. site/core.js builds the same
 * keys in the page; keep the two in step.
 *
 * <p>Neuron shards hold a run of neuron indices of one layer in every mapped matrix, so the page of up_proj
 * neuron 1442 finds the gate and down neurons of the same index in the file it loaded. A mixture-of-experts layer
 * adds its expert as one more segment ({@code neurons/c0/L3/E5/160}).
 */
public final class SiteKeys {
    public static final String ATLAS = "atlas";

    private SiteKeys() {
    }

    /** The shard of the neurons first .. first + neurons_per_shard - 1 of a layer (and expert, or null). */
    public static String neuronShard(int checkpointIndex, int layer, Integer expert, int first) {
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
