package io.neuronatlas.compute.forward;

import io.neuronatlas.checkpoint.ModelConfig;
import java.io.Serializable;

/** A neuron's activation held at a value. */
public record Clamp(NeuronRef neuron, double value) implements Serializable {
    public Clamp {
        if (neuron == null) {
            throw new IllegalArgumentException("a clamp needs a neuron");
        }
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("clamp of " + neuron + ": value must be a finite number, found "
                    + value);
        }
    }

    /**
     * "L25.1442=145" (or "L25.up.1442=145"), checked against the model.
     *
     * @throws IllegalArgumentException naming --clamp and the text
     */
    public static Clamp parse(String text, ModelConfig config) {
        int eq = text == null ? -1 : text.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("--clamp '" + text + "' is not NEURON=VALUE, e.g. L25.1442=145");
        }
        NeuronRef neuron = NeuronRef.parse(text.substring(0, eq), config);
        double value;
        try {
            value = Double.parseDouble(text.substring(eq + 1).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--clamp '" + text + "': '" + text.substring(eq + 1)
                    + "' is not a number", e);
        }
        return new Clamp(neuron, value);
    }

    @Override
    public String toString() {
        return neuron.label() + "=" + value;
    }
}
