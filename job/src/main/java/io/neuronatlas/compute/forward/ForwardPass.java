package io.neuronatlas.compute.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Full forward passes: every layer over every position, clamps applied inside the MLP. The plain path that sweeps and
 * the KV cache are checked against, and the naive baseline of bench-clamp. Thread-safe: each call has its own scope.
 */
public final class ForwardPass {
    private final DecoderStack stack;

    public ForwardPass(DecoderModel model) {
        this.stack = new DecoderStack(model);
    }

    /**
     * Next-token logits after each of a batch of equally long sequences.
     *
     * @return (batch, vocab) float32 logits
     */
    public float[][] nextTokenLogits(int[][] sequences, Clamps clamps) {
        check(sequences, clamps);
        try (NDManager scope = stack.model().newSubManager()) {
            NDArray logits = run(scope, sequences, clamps);
            int vocab = stack.model().config().model().vocab();
            float[] flat = logits.toFloatArray();
            float[][] rows = new float[sequences.length][vocab];
            for (int b = 0; b < rows.length; b++) {
                System.arraycopy(flat, b * vocab, rows[b], 0, vocab);
            }
            return rows;
        }
    }

    /** The prediction after one prompt, seen from a target token. */
    public NextTokenStats nextToken(int[] prompt, Clamps clamps, int target) {
        return nextToken(new int[][] {prompt}, clamps, target)[0];
    }

    /** The predictions after a batch of equally long prompts. */
    public NextTokenStats[] nextToken(int[][] prompts, Clamps clamps, int target) {
        check(prompts, clamps);
        Prompts.checkTarget(stack.model().config(), target);
        try (NDManager scope = stack.model().newSubManager()) {
            return TokenStatistics.of(run(scope, prompts, clamps), target);
        }
    }

    private NDArray run(NDManager scope, int[][] sequences, Clamps clamps) {
        int layers = stack.model().config().model().layers();
        DecoderStack.Step step = stack.step(scope, 0, sequences[0].length);
        NDArray x = stack.embed(scope, sequences, 0);
        return stack.logits(stack.layers(x, 0, layers, step, null, clamps.hook(), scope, false));
    }

    private void check(int[][] sequences, Clamps clamps) {
        Prompts.check(stack.model().config(), sequences, 0);
        for (Clamp c : clamps.clamps()) {
            c.neuron().requireIn(stack.model().config().model());
        }
    }
}
