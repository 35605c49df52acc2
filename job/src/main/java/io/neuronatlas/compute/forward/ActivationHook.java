package io.neuronatlas.compute.forward;

import ai.djl.ndarray.NDArray;

/** Sees, and may change in place, the MLP activation act(gate)·up of a layer: the input of down_proj. */
@FunctionalInterface
interface ActivationHook {
    ActivationHook NONE = (layer, activation, step) -> {
    };

    /**
     * @param activation (batch, positions of this call, d_mlp); TransformerLens's {@code blocks.L.mlp.hook_post}
     * @param step       the positions this call computes
     */
    void onActivation(int layer, NDArray activation, DecoderStack.Step step);
}
