package io.neuronatlas.compute.forward;

import io.neuronatlas.checkpoint.ModelConfig;
import java.io.Serializable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Neuron {@code index} of layer {@code layer}'s MLP: the index into act(gate)·up, the input of down_proj. Layers are
 * numbered from 0, as in the Hugging Face tensor names (model.layers.0 ...).
 */
public record NeuronRef(int layer, int index) implements Serializable {
    /** L25.1442, or L25.up.1442 as the atlas prints neurons: the matrix names the same neuron in all three. */
    private static final Pattern FORM = Pattern.compile("L(\\d{1,9})(?:\\.(?:gate|up|down))?\\.(\\d{1,9})");

    public NeuronRef {
        if (layer < 0 || index < 0) {
            throw new IllegalArgumentException("neuron L" + layer + "." + index + ": layer and index must not be "
                    + "negative");
        }
    }

    /** The syntax alone; see {@link #parse(String, ModelConfig)} to check it against a model. */
    public static NeuronRef parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("neuron '" + text + "' is not of the form L<layer>.<index> or "
                    + "L<layer>.<gate|up|down>.<index>, e.g. L25.1442 or L25.up.1442");
        }
        return new NeuronRef(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /** Parses and checks that the model has this layer and index. */
    public static NeuronRef parse(String text, ModelConfig config) {
        return parse(text).requireIn(config);
    }

    /**
     * @return this
     * @throws IllegalArgumentException naming the neuron and config.json's bound it exceeds
     */
    public NeuronRef requireIn(ModelConfig config) {
        if (layer >= config.layers()) {
            throw new IllegalArgumentException("neuron " + label() + ": layer " + layer + " is out of range; "
                    + "config.json has num_hidden_layers=" + config.layers() + " (layers 0-" + (config.layers() - 1)
                    + ", numbered from 0 as in the tensor names)");
        }
        if (index >= config.dMlp()) {
            throw new IllegalArgumentException("neuron " + label() + ": index " + index + " is out of range; "
                    + "config.json has intermediate_size=" + config.dMlp() + " (neurons 0-" + (config.dMlp() - 1)
                    + ")");
        }
        return this;
    }

    /** L25.1442. */
    public String label() {
        return "L" + layer + "." + index;
    }

    @Override
    public String toString() {
        return label();
    }
}
