package io.neuronatlas.checkpoint;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What attention of one layer sees: a sliding window (a query at position i attends to keys j with i − window < j ≤ i,
 * transformers' sliding_window_overlay) or every earlier position, and which rotary base it uses.
 *
 * @param window    keys a query sees, itself included; 0 for full causal attention
 * @param localRope the layer rotates with the local base (Gemma-3's rope_local_base_freq) instead of rope_theta
 */
public record LayerAttention(int window, boolean localRope) implements Serializable {
    public static final LayerAttention FULL = new LayerAttention(0, false);

    public LayerAttention {
        if (window < 0) {
            throw new IllegalArgumentException("sliding_window must not be negative, found " + window);
        }
    }

    /** The same window on every layer (Mistral, Phi-3). */
    public static List<LayerAttention> everyLayer(int layers, int window) {
        return new ArrayList<>(Collections.nCopies(layers, new LayerAttention(window, false)));
    }

    /**
     * Layers by config.json's layer_types ("sliding_attention" or "full_attention"), sliding ones with the window
     * (and the local rope base when localRope).
     */
    public static List<LayerAttention> ofTypes(ConfigFile config, List<String> types, int layers, int window,
                                               boolean localRope) throws CheckpointException {
        if (types.size() != layers) {
            throw new IllegalArgumentException(config.name("layer_types") + " lists " + types.size()
                    + " layers, num_hidden_layers is " + layers);
        }
        List<LayerAttention> out = new ArrayList<>();
        for (String type : types) {
            switch (type) {
                case "full_attention" -> out.add(FULL);
                case "sliding_attention" -> {
                    if (window <= 0) {
                        throw new IllegalArgumentException(config.name("layer_types") + " has sliding_attention "
                                + "layers but " + config.name("sliding_window") + " is not set");
                    }
                    out.add(new LayerAttention(window, localRope));
                }
                default -> throw new IllegalArgumentException(config.name("layer_types") + " has '" + type
                        + "', which has no forward pass (supported: full_attention, sliding_attention)");
            }
        }
        return out;
    }
}
