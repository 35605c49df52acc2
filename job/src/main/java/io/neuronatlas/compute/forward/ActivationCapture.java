package io.neuronatlas.compute.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.neuronatlas.compute.device.Engines;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Reads the MLP activations act(gate)·up (the input of down_proj, what a clamp sets) of chosen layers at every
 * position of a batch of equally long sequences, in one forward pass that stops after the last layer asked for: no
 * logits, no KV cache. Added for issue 14 (max-activating examples); it runs {@link DecoderStack#layers} with a
 * capturing hook.
 *
 * <p>Each layer's activations are copied to the host as soon as the layer is computed, transposed there to
 * neuron-major ({@link Transpose}) and handed to the sink, so host memory holds one layer at a time: twice batch ×
 * positions × d_mlp floats. Thread-safe: each call has
 * its own scope.
 */
public final class ActivationCapture {
    /** Receives a layer's activations; called in ascending layer order. */
    @FunctionalInterface
    public interface Sink {
        /**
         * @param activations (d_mlp, batch, positions) row-major, neuron-major: neuron n, sequence b, position p is
         *                    at n·batch·positions + b·positions + p, so one neuron's positions are contiguous. The
         *                    array is reused for the next layer: copy what must outlive the call.
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
        for (int layer : wanted) {
            if (stack.isMixture(layer)) {
                throw new IllegalArgumentException("layer " + layer + " is a mixture of experts: capturing expert "
                        + "activations (at the tokens routed to each expert) is not written yet");
            }
        }
        try (NDManager scope = stack.model().newSubManager()) {
            DecoderStack.Step step = stack.step(scope, 0, sequences[0].length);
            NDArray x = stack.embed(scope, sequences, 0);
            int last = wanted[wanted.length - 1];
            float[][] host = new float[2][]; // position-major as read, then neuron-major
            int threads = Engines.cpuThreads();
            ActivationHook hook = new ActivationHook() {
                @Override
                public void onActivation(int layer, NDArray activation, NDArray residual, DecoderStack.Step s) {
                    if (Arrays.binarySearch(wanted, layer) >= 0) {
                        NDArray floats = activation.toType(DataType.FLOAT32, false);
                        int rows = Math.toIntExact(floats.getShape().get(0) * floats.getShape().get(1));
                        int d = Math.toIntExact(floats.getShape().get(2));
                        // Host arrays for every layer of the pass, the first filled from a direct view of the
                        // tensor: a fresh array a layer (tens of MB, twice with toFloatArray's byte[]) made the
                        // collector stop the updates once a layer.
                        if (host[0] == null) {
                            host[0] = new float[rows * d];
                            host[1] = new float[rows * d];
                        }
                        floats.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer().get(host[0]);
                        Transpose.transpose(host[0], rows, d, host[1], threads);
                        sink.accept(layer, host[1]);
                    }
                }
            };
            stack.layers(x, 0, last + 1, step, null, hook, scope, false);
        }
    }
}
