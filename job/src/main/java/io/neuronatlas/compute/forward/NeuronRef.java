package io.neuronatlas.compute.forward;

import io.neuronatlas.checkpoint.MlpBlock;
import io.neuronatlas.checkpoint.ModelConfig;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Neuron {@code index} of an MLP of layer {@code layer}: the index into act(gate)·up, the input of down_proj. Layers
 * are numbered from 0, as in the Hugging Face tensor names (model.layers.0 ...). In a mixture of experts the MLP is
 * one expert, named as the atlas's expert column names it.
 *
 * @param expert null for the layer's dense MLP; a routed expert's index ("5") or {@link MlpBlock#SHARED}
 */
public record NeuronRef(int layer, String expert, int index) implements Serializable {
    /**
     * L25.1442, or L25.up.1442 as the atlas prints neurons (the matrix names the same neuron in all three); an
     * expert's L3.E5.114, L3.e5.up.114 (the atlas's neuron_id) or L3.shared.114.
     */
    private static final Pattern FORM = Pattern.compile(
            "L(\\d{1,9})(?:\\.(?:[eE](0|[1-9]\\d{0,8})|(shared)))?(?:\\.(?:gate|up|down))?\\.(\\d{1,9})");

    public NeuronRef {
        if (layer < 0 || index < 0) {
            throw new IllegalArgumentException("neuron L" + layer + "." + index + ": layer and index must not be "
                    + "negative");
        }
        new MlpBlock(expert, 1); // checks the expert's form
    }

    /** Neuron index of layer's dense MLP. */
    public NeuronRef(int layer, int index) {
        this(layer, null, index);
    }

    /** The syntax alone; see {@link #parse(String, ModelConfig)} to check it against a model. */
    public static NeuronRef parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("neuron '" + text + "' is not of the form L<layer>.<index> or "
                    + "L<layer>.<gate|up|down>.<index>, e.g. L25.1442 or L25.up.1442; an expert's L<layer>.E<expert>."
                    + "<index> or L<layer>.shared.<index>, e.g. L3.E5.114");
        }
        String expert = m.group(2) != null ? m.group(2) : m.group(3);
        return new NeuronRef(Integer.parseInt(m.group(1)), expert, Integer.parseInt(m.group(4)));
    }

    /** Parses and checks that the model has this layer, expert and index. */
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
        List<MlpBlock> blocks = config.mlpBlocks(layer);
        boolean denseLayer = blocks.size() == 1 && blocks.get(0).isDense();
        MlpBlock block = blocks.stream().filter(b -> Objects.equals(b.expert(), expert)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("neuron " + label() + ": layer " + layer + " has "
                        + (expert == null ? "no dense MLP but " + config.experts().count() + " experts (num_experts): "
                        + "name one, e.g. L" + layer + ".E0." + index
                        : denseLayer ? "no expert " + expert + ": it is a dense MLP" + (config.experts().any()
                        ? " (mlp_only_layers, decoder_sparse_step)" : "") + "; name it L" + layer + "." + index
                        : "no " + (MlpBlock.SHARED.equals(expert) ? "shared expert" : "expert " + expert)
                        + " (num_experts=" + config.experts().count() + ")")));
        if (index >= block.width()) {
            String field = block.isDense() ? "intermediate_size" : block.isShared()
                    ? "shared_expert_intermediate_size" : "the experts' intermediate size";
            throw new IllegalArgumentException("neuron " + label() + ": index " + index + " is out of range; "
                    + "config.json has " + field + "=" + block.width() + " (neurons 0-" + (block.width() - 1) + ")");
        }
        return this;
    }

    /** L25.1442; an expert's L3.e5.114 or L3.shared.114, as the atlas's neuron_id names it (without the matrix). */
    public String label() {
        String part = expert == null ? "" : MlpBlock.SHARED.equals(expert) ? expert + "." : "e" + expert + ".";
        return "L" + layer + "." + part + index;
    }

    @Override
    public String toString() {
        return label();
    }
}
