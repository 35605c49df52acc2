package io.neuronatlas.compute.forward;

import java.io.Serializable;

/**
 * A neuron the atlas ranks for a token, to be validated by clamping it.
 *
 * @param neuron         layer and index (counted once, whichever of gate, up and down listed it)
 * @param atlasRank      1-based position in find-token's ranking (normalized_prob, highest first), after neurons
 *                       listed by several matrices were counted once
 * @param normalizedProb the neuron's best normalized_prob for the token
 * @param matrices       the matrices that list it, as "up" or "gate,down"
 */
public record Candidate(NeuronRef neuron, int atlasRank, double normalizedProb, String matrices)
        implements Serializable {
    public Candidate {
        if (neuron == null || atlasRank < 1) {
            throw new IllegalArgumentException("a candidate needs a neuron and a rank from 1, found " + neuron + ", "
                    + atlasRank);
        }
    }
}
