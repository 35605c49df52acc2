package io.neuronatlas.compute.forward;

import io.neuronatlas.checkpoint.ForwardConfig;

/** Checks token id sequences before a pass, so bad input fails with a message instead of a native error. */
final class Prompts {
    private Prompts() {
    }

    /**
     * @param generated tokens the caller will generate; the last of them is never fed back, so it needs no position
     * @throws IllegalArgumentException for an empty prompt, unequal lengths, ids outside the vocabulary or a
     *     sequence longer than max_position_embeddings, for every rope type (a sliding window is no limit: attention
     *     slides)
     */
    static void check(ForwardConfig config, int[][] sequences, int generated) {
        if (sequences.length == 0) {
            throw new IllegalArgumentException("no prompt given");
        }
        int length = sequences[0].length;
        for (int[] ids : sequences) {
            if (ids.length == 0) {
                throw new IllegalArgumentException("the prompt is empty: no tokens to predict from");
            }
            if (ids.length != length) {
                throw new IllegalArgumentException("sequences of one batch must have equal lengths, found "
                        + length + " and " + ids.length + " tokens");
            }
            for (int id : ids) {
                if (id < 0 || id >= config.model().vocab()) {
                    throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, "
                            + config.model().vocab() + ") of config.json's vocab_size");
                }
            }
        }
        long positions = (long) length + Math.max(0, generated - 1);
        if (positions > config.maxPositions()) {
            throw new IllegalArgumentException("the prompt has " + length + " tokens"
                    + (generated > 1 ? " and generating " + generated + " more needs " + positions + " positions" : "")
                    + ": longer than config.json's max_position_embeddings=" + config.maxPositions());
        }
    }

    /** @throws IllegalArgumentException for a target id outside the vocabulary */
    static void checkTarget(ForwardConfig config, int target) {
        if (target < 0 || target >= config.model().vocab()) {
            throw new IllegalArgumentException("target token id " + target + " is outside the vocabulary [0, "
                    + config.model().vocab() + ") of config.json's vocab_size");
        }
    }
}
