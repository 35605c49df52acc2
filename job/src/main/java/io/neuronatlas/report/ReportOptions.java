package io.neuronatlas.report;

import java.util.List;

/**
 * What goes into a site and how it is cut.
 *
 * @param checkpoints        the checkpoints to show; empty for all of the atlas's
 * @param neuronsPerShard    neuron indices per neuron shard (each with its gate, up and down records): a neuron
 *                           page loads one shard, so this sets the page's data size
 * @param searchLimit        neurons kept per word in the token index, the first ones find-token lists
 * @param searchRowsPerShard neuron rows per search shard, on average: sets the number of search shards
 * @param bins               bins of the home page's max |score| histograms (shared by a checkpoint's layers)
 * @param threshold          the home page's first max |score| threshold for the share of aligned neurons
 */
public record ReportOptions(List<String> checkpoints, int neuronsPerShard, int searchLimit, int searchRowsPerShard,
                            int bins, double threshold) {
    public static final int NEURONS_PER_SHARD = 16;
    public static final int SEARCH_LIMIT = 100;
    public static final int SEARCH_ROWS_PER_SHARD = 1000;
    public static final int BINS = 50;
    public static final double THRESHOLD = 10;

    public ReportOptions {
        checkpoints = List.copyOf(checkpoints);
        positive("--neurons-per-shard", neuronsPerShard);
        positive("--search-limit", searchLimit);
        positive("--search-rows-per-shard", searchRowsPerShard);
        positive("--bins", bins);
        if (!(threshold >= 0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("--threshold must be a finite number >= 0, found " + threshold);
        }
    }

    public static ReportOptions defaults() {
        return new ReportOptions(List.of(), NEURONS_PER_SHARD, SEARCH_LIMIT, SEARCH_ROWS_PER_SHARD, BINS, THRESHOLD);
    }

    public ReportOptions withCheckpoints(List<String> names) {
        return new ReportOptions(names, neuronsPerShard, searchLimit, searchRowsPerShard, bins, threshold);
    }

    private static void positive(String option, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " must be positive, found " + value);
        }
    }
}
