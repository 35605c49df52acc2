package io.neuronatlas.compute.examples;

import io.neuronatlas.compute.forward.ActivationCapture;
import io.neuronatlas.compute.forward.DecoderModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Collects one task's examples and statistics: segments are batched, each batch runs through one forward pass that
 * captures every asked-for layer ({@link ActivationCapture}), and each layer's activations update a
 * {@link NeuronBlock} of all its neurons. Positions of the document prefix (BOS) and padding are never seen.
 *
 * <p>The hot loop runs over positions, then neurons (the activations' memory order); a candidate is judged against
 * the worst kept example's value with one comparison, so windows are only copied for the few that get in.
 */
public final class ExampleFinder {
    private final ActivationCapture capture;
    private final ExampleSettings settings;
    private final int padToken;
    private final List<Segment> pending = new ArrayList<>();
    private final NeuronBlock[] blocks;
    private final LayerScratch[] scratch;
    private long tokens;
    private long segments;
    private double forwardSeconds;
    private double updateSeconds;

    public ExampleFinder(DecoderModel model, ExampleSettings settings) {
        this.capture = new ActivationCapture(model);
        this.settings = settings;
        this.padToken = 0;
        int d = model.config().model().dMlp();
        if (d != settings.dMlp()) {
            throw new IllegalArgumentException("the model has d_mlp " + d + ", the run planned " + settings.dMlp());
        }
        blocks = new NeuronBlock[settings.layers().length];
        scratch = new LayerScratch[blocks.length];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = new NeuronBlock(settings.layers()[i], 0, d, settings.top(), settings.sample());
            scratch[i] = new LayerScratch(d);
        }
    }

    /** Takes a segment; runs a forward pass when a batch is full. */
    public void accept(Segment segment) {
        if (segment.tokens().length > settings.segment()) {
            throw new IllegalArgumentException("a segment of " + segment.tokens().length + " tokens is longer than "
                    + settings.segment());
        }
        pending.add(segment);
        if (pending.size() == settings.batch()) {
            flush();
        }
    }

    /** Runs what is left, then returns each layer's neurons as one block (the task's result). */
    public List<NeuronBlock> finish() {
        flush();
        return List.of(blocks);
    }

    public long tokens() {
        return tokens;
    }

    public long segments() {
        return segments;
    }

    public double forwardSeconds() {
        return forwardSeconds;
    }

    public double updateSeconds() {
        return updateSeconds;
    }

    private void flush() {
        if (pending.isEmpty()) {
            return;
        }
        int s = settings.segment();
        int[][] ids = new int[pending.size()][s];
        for (int b = 0; b < ids.length; b++) {
            int[] t = pending.get(b).tokens();
            System.arraycopy(t, 0, ids[b], 0, t.length);
            // Right padding: a causal model's earlier positions never see it, and its positions are skipped.
            Arrays.fill(ids[b], t.length, s, padToken);
        }
        long[] update = new long[1];
        long t0 = System.nanoTime();
        capture.capture(ids, settings.layers(), (layer, activations) -> {
            long u0 = System.nanoTime();
            int i = Arrays.binarySearch(settings.layers(), layer);
            for (int b = 0; b < pending.size(); b++) {
                see(blocks[i], scratch[i], pending.get(b), activations, b * s);
            }
            update[0] += System.nanoTime() - u0;
        });
        long total = System.nanoTime() - t0;
        forwardSeconds += (total - update[0]) / 1e9;
        updateSeconds += update[0] / 1e9;
        for (Segment segment : pending) {
            tokens += segment.textTokens();
        }
        segments += pending.size();
        pending.clear();
    }

    /** Per-neuron temporaries of one layer, and the worst kept value of each heap for the one-comparison test. */
    private static final class LayerScratch {
        final double[] sum;
        final double[] square;
        final float[] segMax;
        final float[] segMin;
        final int[] argMax;
        final int[] argMin;
        final float[] largestWorst;
        final float[] smallestWorst;
        final long[] sampleWorst;

        LayerScratch(int d) {
            sum = new double[d];
            square = new double[d];
            segMax = new float[d];
            segMin = new float[d];
            argMax = new int[d];
            argMin = new int[d];
            largestWorst = new float[d];
            smallestWorst = new float[d];
            sampleWorst = new long[d];
            Arrays.fill(largestWorst, Float.NEGATIVE_INFINITY);
            Arrays.fill(smallestWorst, Float.POSITIVE_INFINITY);
            Arrays.fill(sampleWorst, Long.MAX_VALUE);
        }
    }

    /** One segment's positions into a layer's block; rowStart is the segment's first position in activations. */
    private void see(NeuronBlock block, LayerScratch t, Segment seg, float[] activations, int rowStart) {
        int d = block.count;
        Arrays.fill(t.sum, 0);
        Arrays.fill(t.square, 0);
        Arrays.fill(t.segMax, Float.NEGATIVE_INFINITY);
        Arrays.fill(t.segMin, Float.POSITIVE_INFINITY);
        long segmentKey = Hashing.segmentKey(seg.file(), seg.document(), seg.index());
        boolean sampling = settings.sample() > 0;
        int length = seg.tokens().length;
        for (int p = seg.prefix(); p < length; p++) {
            int base = (rowStart + p) * d;
            long positionKey = Hashing.mix(segmentKey + p);
            for (int n = 0; n < d; n++) {
                float v = activations[base + n];
                t.sum[n] += v;
                t.square[n] += (double) v * v;
                if (v > t.segMax[n]) {
                    t.segMax[n] = v;
                    t.argMax[n] = p;
                }
                if (v < t.segMin[n]) {
                    t.segMin[n] = v;
                    t.argMin[n] = p;
                }
                block.sketches[n].add(v);
                if (sampling) {
                    long priority = Hashing.priority(positionKey, block.layer, n);
                    if (priority <= t.sampleWorst[n]) {
                        offer(block.sample[n], t.sampleWorst, n, seg, p, v, priority, activations, rowStart, d);
                    }
                }
            }
        }
        int seen = seg.textTokens();
        for (int n = 0; n < d; n++) {
            if (!Double.isFinite(t.sum[n]) || !Double.isFinite(t.square[n])) {
                throw new IllegalStateException("layer " + block.layer + ", neuron " + n + ": a non-finite "
                        + "activation (or one whose square overflows) in " + seg.file() + ", document "
                        + seg.document() + ", segment " + seg.index() + "; the weights or the precision are at "
                        + "fault");
            }
            block.positions[n] += seen;
            ExactSum.add(block.sumWhole, block.sumFraction, n, t.sum[n]);
            ExactSum.add(block.squareWhole, block.squareFraction, n, t.square[n]);
            block.min[n] = Math.min(block.min[n], t.segMin[n]);
            block.max[n] = Math.max(block.max[n], t.segMax[n]);
            if (t.segMax[n] >= t.largestWorst[n]) {
                ExampleHeap heap = block.largest[n];
                heap.offer(example(seg, t.argMax[n], t.segMax[n], 0, activations, rowStart, d, n));
                if (heap.full()) {
                    t.largestWorst[n] = heap.worst().value();
                }
            }
            if (t.segMin[n] <= t.smallestWorst[n]) {
                ExampleHeap heap = block.smallest[n];
                heap.offer(example(seg, t.argMin[n], t.segMin[n], 0, activations, rowStart, d, n));
                if (heap.full()) {
                    t.smallestWorst[n] = heap.worst().value();
                }
            }
        }
    }

    private void offer(ExampleHeap heap, long[] worst, int n, Segment seg, int p, float v, long priority,
                       float[] activations, int rowStart, int d) {
        heap.offer(example(seg, p, v, priority, activations, rowStart, d, n));
        if (heap.full()) {
            worst[n] = heap.worst().priority();
        }
    }

    /** The example at position p with its window: the segment's tokens and the neuron's activations there. */
    private Example example(Segment seg, int p, float value, long priority, float[] activations, int rowStart, int d,
                            int n) {
        int start = Math.max(0, p - settings.before());
        int end = Math.min(seg.tokens().length, p + settings.after() + 1);
        int[] window = Arrays.copyOfRange(seg.tokens(), start, end);
        float[] acts = new float[end - start];
        for (int q = start; q < end; q++) {
            acts[q - start] = activations[(rowStart + q) * d + n];
        }
        return new Example(value, priority, seg.file(), seg.document(), seg.index(), p,
                seg.firstTextToken() + p - seg.prefix(), start, window, acts);
    }
}
