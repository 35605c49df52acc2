package io.neuronatlas.compute.examples;

import java.io.Serializable;

/**
 * What a task knows about neurons [first, first + count) of one MLP of one layer (its dense MLP, or one expert of a
 * mixture) after the positions it has seen (an expert's: only the positions routed to it), and what
 * tasks merge: per neuron its count, exact sums of activations and their squares ({@link ExactSum}), min and max, a
 * {@link RelativeSketch}, and three {@link ExampleHeaps} (largest, most negative, a uniform sample by hash). Merging
 * is associative and commutative bit for bit, so the merged block is the same for any partitioning.
 *
 * <p>Memory per neuron: {@link MemoryBound} (examples as heaps fill, a sketch over the magnitudes seen, moments).
 */
public final class NeuronBlock implements Serializable {
    private static final long serialVersionUID = 2L;
    final int layer;
    /** The atlas's expert column: null for a dense MLP, an expert's index, or "shared". */
    final String expert;
    final int first;
    final int count;
    final long[] positions;
    final long[] sumWhole;
    final long[] sumFraction;
    final long[] squareWhole;
    final long[] squareFraction;
    final float[] min;
    final float[] max;
    final RelativeSketch[] sketches;
    final ExampleHeaps largest;
    final ExampleHeaps smallest;
    final ExampleHeaps sample;

    NeuronBlock(int layer, String expert, int first, int count, int top, int sampleSize, int window) {
        this(layer, expert, first, count, new ExampleHeaps(ExampleHeaps.Order.LARGEST, count, top, window),
                new ExampleHeaps(ExampleHeaps.Order.SMALLEST, count, top, window),
                new ExampleHeaps(ExampleHeaps.Order.SAMPLE, count, sampleSize, window));
        int[] arena = RelativeSketch.arena(count);
        for (int i = 0; i < count; i++) {
            sketches[i] = new RelativeSketch(arena, i);
        }
    }

    private NeuronBlock(int layer, String expert, int first, int count, ExampleHeaps largest, ExampleHeaps smallest,
                        ExampleHeaps sample) {
        this.layer = layer;
        this.expert = expert;
        this.first = first;
        this.count = count;
        positions = new long[count];
        sumWhole = new long[count];
        sumFraction = new long[count];
        squareWhole = new long[count];
        squareFraction = new long[count];
        min = new float[count];
        max = new float[count];
        java.util.Arrays.fill(min, Float.POSITIVE_INFINITY);
        java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
        sketches = new RelativeSketch[count];
        this.largest = largest;
        this.smallest = smallest;
        this.sample = sample;
    }

    public int layer() {
        return layer;
    }

    public String expert() {
        return expert;
    }

    public int first() {
        return first;
    }

    public int count() {
        return count;
    }

    /**
     * Neurons [from, from + n) of this block (indices relative to it) as a block of their own: sketches shared, the
     * examples copied out of the block's arrays.
     */
    NeuronBlock slice(int from, int n) {
        NeuronBlock s = new NeuronBlock(layer, expert, first + from, n, largest.slice(from, n), smallest.slice(from, n),
                sample.slice(from, n));
        System.arraycopy(positions, from, s.positions, 0, n);
        System.arraycopy(sumWhole, from, s.sumWhole, 0, n);
        System.arraycopy(sumFraction, from, s.sumFraction, 0, n);
        System.arraycopy(squareWhole, from, s.squareWhole, 0, n);
        System.arraycopy(squareFraction, from, s.squareFraction, 0, n);
        System.arraycopy(min, from, s.min, 0, n);
        System.arraycopy(max, from, s.max, 0, n);
        System.arraycopy(sketches, from, s.sketches, 0, n);
        return s;
    }

    /** Adds other's neurons (the same layer and range) into this block. */
    public NeuronBlock merge(NeuronBlock other) {
        if (other.layer != layer || !java.util.Objects.equals(other.expert, expert) || other.first != first
                || other.count != count) {
            throw new IllegalArgumentException("cannot merge neurons " + other.first + "+" + other.count + " of layer "
                    + other.layer + " expert " + other.expert + " into " + first + "+" + count + " of layer " + layer
                    + " expert " + expert);
        }
        for (int i = 0; i < count; i++) {
            positions[i] += other.positions[i];
            ExactSum.merge(sumWhole, sumFraction, i, other.sumWhole[i], other.sumFraction[i]);
            ExactSum.merge(squareWhole, squareFraction, i, other.squareWhole[i], other.squareFraction[i]);
            min[i] = Math.min(min[i], other.min[i]);
            max[i] = Math.max(max[i], other.max[i]);
            sketches[i].merge(other.sketches[i]);
        }
        largest.merge(other.largest);
        smallest.merge(other.smallest);
        sample.merge(other.sample);
        return this;
    }
}
