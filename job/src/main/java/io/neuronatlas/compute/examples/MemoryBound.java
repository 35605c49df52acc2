package io.neuronatlas.compute.examples;

import java.util.Locale;

/**
 * The bound on one task's example state, which grows with the neurons captured and not with the corpus: per neuron,
 * 2·top + sample examples of (120 + 8·window) bytes (record, window arrays of token ids and activations, heap slot
 * and key), a sketch of 2 signs × {@link #SKETCH_BUCKETS} 4-byte buckets and half as many again of room to grow, and
 * 176 bytes of moments, scratch and heaps. For Llama-3-8B (458,752 neurons, top 32, sample 16, window 64): 458,752 ×
 * (80 × 632 + 10,800 + 176) = 28 GB; one layer (14,336 neurons) 882 MB, so on executors of a few GB examine an 8B model a few layers per run (--layers).
 * A batch's activations add batch × segment × d_mlp × 4 bytes for the layer being read.
 *
 * @param bytes the bound, in bytes
 */
public record MemoryBound(long bytes, long neurons) {
    /** Buckets a sign typically spans: magnitudes 1e-6..1e2 at 1% accuracy (the sketch grows as needed). */
    public static final int SKETCH_BUCKETS = 900;

    public static MemoryBound of(ExampleSettings s, int layers) {
        long neurons = (long) s.dMlp() * layers;
        long example = 120 + 8L * s.window();
        long perNeuron = (2L * s.top() + s.sample()) * example + 2L * (SKETCH_BUCKETS * 3 / 2) * 4 + 176;
        return new MemoryBound(neurons * perNeuron, neurons);
    }

    public String describe() {
        return String.format(Locale.ROOT, "%,.0f MB for %,d neurons", bytes / 1e6, neurons);
    }
}
