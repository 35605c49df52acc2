package io.neuronatlas.compute.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;

/**
 * Reads the MLP activations act(gate)·up (the input of down_proj, what a clamp sets) of chosen layers at every
 * position of a batch of equally long sequences, in one forward pass that stops after the last layer asked for: no
 * logits, no KV cache. Added for issue 14 (max-activating examples); it only reads {@link DecoderStack}.
 *
 * <p>Each layer's activations are copied to the host as soon as the layer is computed and handed to the sink, so host
 * memory holds one layer at a time: batch × positions × d_mlp floats. Thread-safe: each call has its own scope.
 */
public final class ActivationCapture {
    /** Receives a layer's activations; called in ascending layer order. */
    @FunctionalInterface
    public interface Sink {
        /**
         * @param activations (batch, positions, d_mlp) row-major: sequence b, position p, neuron n is at
         *                    (b·positions + p)·d_mlp + n
         */
        void accept(int layer, float[] activations);
    }

    private final DecoderStack stack;

    public ActivationCapture(DecoderModel model) {
        this.stack = new DecoderStack(model);
    }

    /**
     * One pass over sequences through layer max(layers).
     *
     * @param layers ascending, distinct layer indices of the model
     * @throws IllegalArgumentException for bad ids, unequal lengths, or a layer outside the model
     */
    public void capture(int[][] sequences, int[] layers, Sink sink) {
        Prompts.check(stack.model().config(), sequences, 0);
        int count = stack.model().config().model().layers();
        int[] wanted = layers.clone();
        Arrays.sort(wanted);
        if (wanted.length == 0 || wanted[0] < 0 || wanted[wanted.length - 1] >= count) {
            throw new IllegalArgumentException("layers " + Arrays.toString(layers) + " must be within [0, " + count
                    + ")");
        }
        try (NDManager scope = stack.model().newSubManager()) {
            DecoderStack.Step step = stack.step(scope, 0, sequences[0].length);
            NDArray x = stack.embed(scope, sequences);
            int last = wanted[wanted.length - 1];
            ActivationHook hook = (layer, activation, s) -> {
                if (Arrays.binarySearch(wanted, layer) >= 0) {
                    sink.accept(layer, activation.toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                            .toFloatArray());
                }
            };
            for (int l = 0; l <= last; l++) {
                x = stack.layer(l, x, step, null, hook, scope);
            }
        }
    }
}
