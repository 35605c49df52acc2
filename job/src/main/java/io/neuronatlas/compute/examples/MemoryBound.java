package io.neuronatlas.compute.examples;

import java.util.Locale;

/**
 * The bound on one task's example state, which grows with the neurons captured and not with the corpus, all of it
 * allocated when the task starts: per neuron, 2·top + sample example slots of (56 + 8·window) bytes (order key, value,
 * place, document id reference and window bounds, heap index, and the window's token ids and activations, in
 * {@link ExampleHeaps}' arrays; the ids themselves are one string per document that kept examples come from),
 * a sketch of 2 signs × {@link RelativeSketch#TYPICAL_SPAN} 4-byte buckets in its block's arena (a neuron whose
 * magnitudes leave 1e-8..1e3 grows a store of its own, up to {@link RelativeSketch#MAX_BUCKETS}), and 176 bytes of
 * moments, scratch and objects. For Llama-3-8B (458,752 neurons, top 32, sample 16, window 64): 458,752 × (80 × 568 +
 * 10,240 + 176) = 25.6 GB; one layer (14,336 neurons) 801 MB, so on executors of a few GB examine an 8B model a few
 * layers per run (--layers). A mixture's neurons are its experts' (count × width a layer, plus the shared expert's):
 * Qwen3-30B-A3B's 128 × 768 = 98,304 a layer, 5.5 GB, so examine it a layer per run. A batch adds twice the
 * activations of the one MLP being read: 2 × batch × segment × width × 4 bytes (as read, and neuron-major; width:
 * the widest MLP captured, d_mlp or an expert's), and batch × segment routing flags.
 *
 * @param bytes the bound, in bytes
 */
public record MemoryBound(long bytes, long neurons) {
    /** The bound of the settings' layers. */
    public static MemoryBound of(ExampleSettings s) {
        return of(s, s.neurons());
    }

    /** The bound of a dense model's layers of s's first layer's width (a benchmark's projection to a whole model). */
    public static MemoryBound of(ExampleSettings s, int layers) {
        return of(s, (long) s.dMlp() * layers);
    }

    private static MemoryBound of(ExampleSettings s, long neurons) {
        long example = 56 + 8L * s.window();
        long perNeuron = (2L * s.top() + s.sample()) * example + 2L * RelativeSketch.TYPICAL_SPAN * 4 + 176;
        return new MemoryBound(neurons * perNeuron, neurons);
    }

    public String describe() {
        return String.format(Locale.ROOT, "%,.0f MB for %,d neurons", bytes / 1e6, neurons);
    }
}
