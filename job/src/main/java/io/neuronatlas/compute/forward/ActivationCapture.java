package io.neuronatlas.compute.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.neuronatlas.checkpoint.MlpBlock;
import io.neuronatlas.checkpoint.ModelConfig;
import io.neuronatlas.compute.device.Engines;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Reads the MLP activations act(gate)·up (the input of down_proj, what a clamp sets) of chosen layers at every
 * position of a batch of equally long sequences, in one forward pass that stops after the last layer asked for: no
 * logits, no KV cache. Added for issue 14 (max-activating examples); it runs {@link DecoderStack#layers} with a
 * capturing hook.
 *
 * <p>A mixture-of-experts layer is read one expert at a time, through the family-independent
 * {@link ActivationHook#onExpertActivation}: each expert that any token of the batch is routed to (and the shared
 * expert) is handed over with the positions routed to it; an expert's activation exists only where the router sends
 * the token (transformers runs the expert on those tokens alone), so the others are NaN and not routed. An expert no
 * token of the batch is routed to is not handed over at all.
 *
 * <p>Each MLP's activations are copied to the host as soon as they are computed, transposed there to neuron-major
 * ({@link Transpose}) and handed to the sink, so host memory holds one MLP at a time: twice batch × positions ×
 * width floats (width: the widest MLP captured, a dense layer's d_mlp or an expert's) and batch × positions routing
 * flags.
 * Thread-safe: each call has its own scope.
 */
public final class ActivationCapture {
    /**
     * Receives activations, one MLP at a time: layers in ascending order, a mixture's routed experts in index order
     * and then its shared expert.
     */
    @FunctionalInterface
    public interface Sink {
        /**
         * @param mlp         the layer's dense MLP, or one of its experts (the atlas's expert column names it)
         * @param activations (width, batch, positions) row-major, neuron-major: neuron n, sequence b, position p is
         *                    at n·batch·positions + b·positions + p, so one neuron's positions are contiguous; NaN at
         *                    positions not routed to the expert. The array may be longer than that and is reused for
         *                    the next MLP: copy what must outlive the call.
         * @param routed      (batch, positions) whether the position's token is routed to the expert; null when every
         *                    position passes through the MLP (a dense MLP, the shared expert). Reused likewise.
         */
        void accept(int layer, MlpBlock mlp, float[] activations, boolean[] routed);
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
        ModelConfig config = stack.model().config().model();
        int count = config.layers();
        int[] wanted = layers.clone();
        Arrays.sort(wanted);
        if (wanted.length == 0 || wanted[0] < 0 || wanted[wanted.length - 1] >= count) {
            throw new IllegalArgumentException("layers " + Arrays.toString(layers) + " must be within [0, " + count
                    + ")");
        }
        try (NDManager scope = stack.model().newSubManager()) {
            DecoderStack.Step step = stack.step(scope, 0, sequences[0].length);
            NDArray x = stack.embed(scope, sequences, 0);
            int last = wanted[wanted.length - 1];
            Host host = new Host(sequences.length * sequences[0].length);
            ActivationHook hook = new ActivationHook() {
                @Override
                public void onActivation(int layer, NDArray activation, NDArray residual, DecoderStack.Step s) {
                    if (Arrays.binarySearch(wanted, layer) >= 0) {
                        sink.accept(layer, config.mlpBlock(layer, null), host.neuronMajor(activation, null),
                                null);
                    }
                }

                @Override
                public void onExpertActivation(int layer, String expert, NDArray activation, NDArray routed,
                                               DecoderStack.Step s) {
                    if (Arrays.binarySearch(wanted, layer) >= 0) {
                        boolean[] flags = routed == null ? null : host.routed(routed);
                        sink.accept(layer, config.mlpBlock(layer, expert), host.neuronMajor(activation, flags),
                                flags);
                    }
                }
            };
            stack.layers(x, 0, last + 1, step, null, hook, scope, false);
        }
    }

    /**
     * The host arrays of one pass, reused by every MLP it reads and grown to the widest: a fresh array an MLP (tens of
     * MB, twice with toFloatArray's byte[]) made the collector stop the updates once a layer.
     */
    private static final class Host {
        private final int rows; // batch × positions
        private final int threads = Engines.cpuThreads();
        private final boolean[] routed;
        private float[] read = new float[0]; // (rows, width) position-major, as read
        private float[] neuronMajor = new float[0]; // (width, rows)

        Host(int rows) {
            this.rows = rows;
            this.routed = new boolean[rows];
        }

        /** (batch, positions, 1) router weights, 0 where the token is not routed: whether each position is. */
        boolean[] routed(NDArray weights) {
            float[] w = weights.toType(DataType.FLOAT32, false).toFloatArray();
            for (int i = 0; i < rows; i++) {
                routed[i] = w[i] != 0;
            }
            return routed;
        }

        /** (batch, positions, width) activation, NaN where routed says a position is not: (width, rows). */
        float[] neuronMajor(NDArray activation, boolean[] routed) {
            NDArray floats = activation.toType(DataType.FLOAT32, false);
            int d = Math.toIntExact(floats.getShape().get(2));
            int cells = rows * d;
            if (read.length < cells) {
                read = new float[cells];
                neuronMajor = new float[cells];
            }
            floats.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer().get(read, 0, cells);
            if (routed != null) {
                for (int r = 0; r < rows; r++) {
                    if (!routed[r]) {
                        Arrays.fill(read, r * d, (r + 1) * d, Float.NaN);
                    }
                }
            }
            Transpose.transpose(read, rows, d, neuronMajor, threads);
            return neuronMajor;
        }
    }
}
