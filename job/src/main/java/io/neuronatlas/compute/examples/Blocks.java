package io.neuronatlas.compute.examples;

/** Cuts a layer's block into the blocks tasks merge and write. */
public final class Blocks {
    private Blocks() {
    }

    /** Neurons [from, from + n) of a layer's block, relative to its first neuron. */
    public static NeuronBlock slice(NeuronBlock block, int from, int n) {
        return block.slice(from, n);
    }
}
