package io.neuronatlas.checkpoint;

import java.io.Serializable;

/**
 * One MLP of a layer: the layer's dense MLP, or one expert of a mixture of experts.
 *
 * @param expert null for a dense MLP; a routed expert's index ("0", "1", ...); {@link #SHARED} for the expert every
 *               token passes through (Qwen2-MoE's shared_expert). The atlas's expert column holds this value.
 * @param width  its neurons: intermediate_size, moe_intermediate_size or shared_expert_intermediate_size
 */
public record MlpBlock(String expert, int width) implements Serializable {
    public static final String SHARED = "shared";

    public MlpBlock {
        if (width < 1) {
            throw new IllegalArgumentException("an MLP has at least one neuron, found " + width);
        }
        if (expert != null && !expert.equals(SHARED) && !expert.matches("0|[1-9][0-9]{0,8}")) {
            throw new IllegalArgumentException("expert must be an index or '" + SHARED + "', found '" + expert + "'");
        }
    }

    public static MlpBlock dense(int width) {
        return new MlpBlock(null, width);
    }

    public static MlpBlock routed(int index, int width) {
        return new MlpBlock(Integer.toString(index), width);
    }

    public boolean isDense() {
        return expert == null;
    }

    public boolean isShared() {
        return SHARED.equals(expert);
    }

    /** The routed expert's index; -1 for a dense MLP or the shared expert. */
    public int index() {
        return expert == null || isShared() ? -1 : Integer.parseInt(expert);
    }

    /** How messages name it: "the MLP", "expert 3", "the shared expert". */
    public String describe() {
        return expert == null ? "the MLP" : isShared() ? "the shared expert" : "expert " + expert;
    }
}
