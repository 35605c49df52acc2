package io.neuronatlas.udfs;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A neuron's name for links and joins: "L26.up.1442" is neuron 1442 of layer 26's up_proj.
 *
 * @param matrix gate, up or down
 */
public record NeuronId(String matrix, int layer, int neuron) {
    private static final Pattern FORM = Pattern.compile("L(\\d{1,9})\\.(gate|up|down)\\.(\\d{1,9})");

    public NeuronId {
        if (!matrix.equals("gate") && !matrix.equals("up") && !matrix.equals("down")) {
            throw new IllegalArgumentException("matrix must be gate, up or down, found '" + matrix + "'");
        }
        if (layer < 0 || neuron < 0) {
            throw new IllegalArgumentException("layer and neuron must not be negative: " + layer + ", " + neuron);
        }
    }

    /** The parsed id, or null when text is not of the form L{layer}.{gate|up|down}.{neuron}. */
    public static NeuronId parse(String text) {
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            return null;
        }
        return new NeuronId(m.group(2), Integer.parseInt(m.group(1)), Integer.parseInt(m.group(3)));
    }

    @Override
    public String toString() {
        return "L" + layer + "." + matrix + "." + neuron;
    }
}
