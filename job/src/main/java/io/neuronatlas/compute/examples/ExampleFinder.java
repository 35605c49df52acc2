package io.neuronatlas.compute.examples;

import io.neuronatlas.checkpoint.MlpBlock;
import io.neuronatlas.compute.device.Engines;
import io.neuronatlas.compute.forward.ActivationCapture;
import io.neuronatlas.compute.forward.DecoderModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Collects one task's examples and statistics: segments are batched, each batch runs through one forward pass that
 * captures every asked-for layer ({@link ActivationCapture}), and each MLP's activations update a
 * {@link NeuronBlock} of all its neurons: a dense layer's MLP, or each expert of a mixture, whose neurons see only the
 * positions routed to the expert. Positions of the document prefix (BOS) and padding are never seen.
 *
 * <p>The hot loop runs over neurons, then positions (the neuron-major order the capture delivers), so a neuron's
 * sketch and heaps are touched by one run of its positions instead of once a position; a candidate is judged against
 * the worst kept example's value with one comparison, so windows are only copied for the few that get in.
 */
public final class ExampleFinder {
    private final ActivationCapture capture;
    private final ExampleSettings settings;
    private final int padToken;
    /** Host threads for the updates: the task's intra-op threads, idle while the host reads a layer. */
    private final int threads;
    private final List<Segment> pending = new ArrayList<>();
    /** One block per MLP of every captured layer: layer i's MLP j is blocks[firstBlock[i] + j]. */
    private final NeuronBlock[] blocks;
    private final int[] firstBlock;
    private final LayerScratch[] scratch;
    private long tokens;
    private long segments;
    private double forwardSeconds;
    private double updateSeconds;

    public ExampleFinder(DecoderModel model, ExampleSettings settings) {
        this.capture = new ActivationCapture(model);
        this.threads = Engines.cpuThreads();
        this.settings = settings;
        this.padToken = 0;
        int[] layers = settings.layers();
        firstBlock = new int[layers.length];
        int count = 0;
        for (int i = 0; i < layers.length; i++) {
            List<MlpBlock> has = model.config().model().mlpBlocks(layers[i]);
            if (!has.equals(settings.mlps().get(i))) {
                throw new IllegalArgumentException("layer " + layers[i] + " of the model has the MLPs " + has
                        + ", the run planned " + settings.mlps().get(i));
            }
            firstBlock[i] = count;
            count += has.size();
        }
        blocks = new NeuronBlock[count];
        scratch = new LayerScratch[count];
        for (int i = 0; i < layers.length; i++) {
            List<MlpBlock> mlps = settings.mlps().get(i);
            for (int j = 0; j < mlps.size(); j++) {
                MlpBlock mlp = mlps.get(j);
                blocks[firstBlock[i] + j] = new NeuronBlock(layers[i], mlp.expert(), 0, mlp.width(), settings.top(),
                        settings.sample(), settings.window());
                scratch[firstBlock[i] + j] = new LayerScratch(mlp.width());
            }
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

    /**
     * Runs what is left, then hands over each MLP's neurons as one block (the task's result), in layer order and a
     * layer's MLPs in the config's order: the finder keeps no reference, so a caller that drops a block frees its
     * arrays.
     */
    public List<NeuronBlock> finish() {
        flush();
        List<NeuronBlock> out = List.of(blocks);
        Arrays.fill(blocks, null);
        return out;
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
        long[][] positionKeys = positionKeys(pending);
        capture.capture(ids, settings.layers(), (layer, mlp, activations, routed) -> {
            long u0 = System.nanoTime();
            int i = Arrays.binarySearch(settings.layers(), layer);
            int at = firstBlock[i] + settings.mlps().get(i).indexOf(mlp);
            int d = blocks[at].count;
            int[] routedTokens = routed == null ? null : routedTokens(pending, routed, s);
            // Neurons are independent: each range updates only its own neurons' state, in the same order as alone.
            IntStream.range(0, threads).parallel().forEach(r -> see(blocks[at], scratch[at], pending, positionKeys,
                    activations, routed, routedTokens, pending.size() * s, (int) ((long) d * r / threads),
                    (int) ((long) d * (r + 1) / threads)));
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

    /** Per-neuron worst kept value of each heap of one layer, for the one-comparison test. */
    private static final class LayerScratch {
        final float[] largestWorst;
        final float[] smallestWorst;
        final long[] sampleWorst;

        LayerScratch(int d) {
            largestWorst = new float[d];
            smallestWorst = new float[d];
            sampleWorst = new long[d];
            Arrays.fill(largestWorst, Float.NEGATIVE_INFINITY);
            Arrays.fill(smallestWorst, Float.POSITIVE_INFINITY);
            Arrays.fill(sampleWorst, Long.MAX_VALUE);
        }
    }

    /** Per segment of the batch, its text positions routed to an expert: what each of its neurons counts. */
    private static int[] routedTokens(List<Segment> batch, boolean[] routed, int s) {
        int[] counts = new int[batch.size()];
        for (int b = 0; b < counts.length; b++) {
            Segment seg = batch.get(b);
            for (int p = seg.prefix(); p < seg.tokens().length; p++) {
                counts[b] += routed[b * s + p] ? 1 : 0;
            }
        }
        return counts;
    }

    /** The sampling hash of every position of every segment of a batch, shared by all layers and neurons. */
    private static long[][] positionKeys(List<Segment> batch) {
        long[][] keys = new long[batch.size()][];
        for (int b = 0; b < keys.length; b++) {
            Segment seg = batch.get(b);
            long segmentKey = Hashing.segmentKey(seg.file(), seg.document(), seg.index());
            keys[b] = new long[seg.tokens().length];
            for (int p = 0; p < keys[b].length; p++) {
                keys[b][p] = Hashing.mix(segmentKey + p);
            }
        }
        return keys;
    }

    /**
     * A batch's positions into a layer's block, one neuron at a time (its positions are contiguous in the
     * neuron-major activations, and its sketch and heaps stay in cache), segments in batch order and positions in
     * order within each: the same sequence of updates per neuron as any other loop order, so the same bits.
     *
     * <p>An expert's neuron sees only the positions routed to it (routed, null for a dense MLP or the shared expert):
     * the others count nowhere, neither in its statistics nor as examples (their window values are NaN).
     *
     * @param routedTokens per segment, its text positions routed to the expert; null with routed
     * @param stride batch × segment length: the distance between two neurons' rows in activations
     * @param fromNeuron first neuron of the range this call updates; toNeuron is past its last
     */
    private void see(NeuronBlock block, LayerScratch t, List<Segment> batch, long[][] positionKeys,
                     float[] activations, boolean[] routed, int[] routedTokens, int stride, int fromNeuron,
                     int toNeuron) {
        int s = settings.segment();
        boolean sampling = settings.sample() > 0;
        SampleCandidates candidates = new SampleCandidates(settings.sample(), batch);
        int[] keys = new int[s];
        for (int n = fromNeuron; n < toNeuron; n++) {
            RelativeSketch sketch = block.sketches[n];
            int row = n * stride;
            candidates.clear();
            for (int b = 0; b < batch.size(); b++) {
                Segment seg = batch.get(b);
                int base = row + b * s;
                double sum = 0;
                double square = 0;
                float segMax = Float.NEGATIVE_INFINITY;
                float segMin = Float.POSITIVE_INFINITY;
                int argMax = 0;
                int argMin = 0;
                int length = seg.tokens().length;
                int at = b * s;
                if (routed != null && routedTokens[b] == 0) {
                    continue;
                }
                for (int p = seg.prefix(); p < length; p++) {
                    if (routed != null && !routed[at + p]) {
                        continue;
                    }
                    float v = activations[base + p];
                    sum += v;
                    square += (double) v * v;
                    if (v > segMax) {
                        segMax = v;
                        argMax = p;
                    }
                    if (v < segMin) {
                        segMin = v;
                        argMin = p;
                    }
                    if (sampling) {
                        long priority = Hashing.priority(positionKeys[b][p], block.layer, n);
                        if (priority <= t.sampleWorst[n]) {
                            candidates.offer(priority, b, p);
                        }
                    }
                }
                if (routed == null) {
                    sketch.addAll(activations, base + seg.prefix(), base + length, keys);
                } else {
                    addRouted(sketch, activations, base, at, seg.prefix(), length, routed, keys);
                }
                if (!Double.isFinite(sum) || !Double.isFinite(square)) {
                    throw new IllegalStateException("layer " + block.layer + ", neuron " + n + ": a non-finite "
                            + "activation (or one whose square overflows) in " + seg.file() + ", document "
                            + seg.document() + ", segment " + seg.index() + "; the weights or the precision are at "
                            + "fault");
                }
                block.positions[n] += routed == null ? seg.textTokens() : routedTokens[b];
                ExactSum.add(block.sumWhole, block.sumFraction, n, sum);
                ExactSum.add(block.squareWhole, block.squareFraction, n, square);
                block.min[n] = Math.min(block.min[n], segMin);
                block.max[n] = Math.max(block.max[n], segMax);
                if (segMax >= t.largestWorst[n]) {
                    offer(block.largest, n, seg, argMax, segMax, 0, activations, base);
                    if (block.largest.full(n)) {
                        t.largestWorst[n] = block.largest.worstValue(n);
                    }
                }
                if (segMin <= t.smallestWorst[n]) {
                    offer(block.smallest, n, seg, argMin, segMin, 0, activations, base);
                    if (block.smallest.full(n)) {
                        t.smallestWorst[n] = block.smallest.worstValue(n);
                    }
                }
            }
            // Only the batch's best few can enter the sample: their examples are the only ones made.
            for (int c = 0; c < candidates.size; c++) {
                int b = candidates.segment[c];
                int p = candidates.position[c];
                int base = row + b * s;
                offer(block.sample, n, batch.get(b), p, activations[base + p], candidates.priority[c], activations,
                        base);
                if (block.sample.full(n)) {
                    t.sampleWorst[n] = block.sample.worstPriority(n);
                }
            }
        }
    }

    /** Adds the routed runs of positions [from, to) of a segment to a sketch, one contiguous run at a time. */
    private static void addRouted(RelativeSketch sketch, float[] activations, int base, int at, int from, int to,
                                  boolean[] routed, int[] keys) {
        int p = from;
        while (p < to) {
            while (p < to && !routed[at + p]) {
                p++;
            }
            int start = p;
            while (p < to && routed[at + p]) {
                p++;
            }
            if (p > start) {
                sketch.addAll(activations, base + start, base + p, keys);
            }
        }
    }

    /**
     * Offers the example at position p with its window: the segment's tokens and the neuron's activations there.
     *
     * @param base where the neuron's activations of this segment start in activations
     */
    private void offer(ExampleHeaps heaps, int n, Segment seg, int p, float value, long priority,
                       float[] activations, int base) {
        int start = Math.max(0, p - settings.before());
        int end = Math.min(seg.tokens().length, p + settings.after() + 1);
        heaps.offer(n, seg, p, value, priority, start, end, activations, base);
    }
}
