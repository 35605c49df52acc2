package io.neuronatlas.compute.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** Clamps applied together in one pass, and where: the description of a steered model. */
public record Clamps(List<Clamp> clamps, ClampScope scope) implements Serializable {
    public Clamps {
        clamps = List.copyOf(clamps);
        if (scope == null) {
            throw new IllegalArgumentException("clamps need a scope (all or last)");
        }
        Set<NeuronRef> seen = new HashSet<>();
        for (Clamp c : clamps) {
            if (!seen.add(c.neuron())) {
                throw new IllegalArgumentException("--clamp names neuron " + c.neuron() + " twice");
            }
        }
    }

    /** The unsteered model. */
    public static Clamps none() {
        return new Clamps(List.of(), ClampScope.ALL);
    }

    public static Clamps of(ClampScope scope, Clamp... clamps) {
        return new Clamps(List.of(clamps), scope);
    }

    public boolean isEmpty() {
        return clamps.isEmpty();
    }

    /** Writes each clamp's value into the activation at the positions of the scope, in place. */
    ActivationHook hook() {
        if (clamps.isEmpty()) {
            return ActivationHook.NONE;
        }
        return new ActivationHook() {
            @Override
            public void onActivation(int layer, NDArray activation, NDArray residual, DecoderStack.Step step) {
                set(layer, null, activation, step);
            }

            /** An expert's neuron is set at every position of the scope; the router decides which reach the output. */
            @Override
            public void onExpertActivation(int layer, String expert, NDArray activation, NDArray routed,
                                           DecoderStack.Step step) {
                set(layer, expert, activation, step);
            }

            private void set(int layer, String expert, NDArray activation, DecoderStack.Step step) {
                String positions = scope == ClampScope.ALL ? ":" : (step.length() - 1) + ":" + step.length();
                for (Clamp c : clamps) {
                    if (c.neuron().layer() == layer && Objects.equals(c.neuron().expert(), expert)) {
                        activation.set(new NDIndex(":, " + positions + ", " + c.neuron().index()), c.value());
                    }
                }
            }
        };
    }

    @Override
    public String toString() {
        return clamps.isEmpty() ? "none" : clamps + " at " + scope.label() + " positions";
    }
}
