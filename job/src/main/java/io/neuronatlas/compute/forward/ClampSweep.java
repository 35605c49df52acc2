package io.neuronatlas.compute.forward;

import java.io.Serializable;
import java.util.List;

/**
 * One neuron's clamp curve on one prompt: the paper's Figure 3 for a single neuron and target.
 *
 * @param neuron            the clamped neuron
 * @param scope             the positions clamped
 * @param targetId          the token whose probability the curve follows
 * @param promptLength      tokens in the prompt, BOS included when the tokenizer adds one
 * @param naturalActivation the neuron's unclamped activation at the prompt's last position
 * @param baseline          the unclamped model's prediction
 * @param points            one per clamp value, in the order given
 */
public record ClampSweep(NeuronRef neuron, ClampScope scope, int targetId, int promptLength,
                         double naturalActivation, NextTokenStats baseline, List<SweepPoint> points)
        implements Serializable {
    public ClampSweep {
        points = List.copyOf(points);
    }
}
