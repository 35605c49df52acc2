package io.neuronatlas.compute.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * What a pass does besides the math, handed to the one layer loop ({@link DecoderStack#layers}): nothing, clamps
 * ({@link Clamps#hook()}), capture ({@link ActivationCapture}), or the records and joining rows of a clamp sweep
 * ({@link ClampSweeper}).
 */
interface ActivationHook {
    ActivationHook NONE = new ActivationHook() {
        @Override
        public boolean seesExperts() {
            return false;
        }
    };

    /**
     * Sees, and may change in place, the MLP activation act(gate)·up (act(up) for an MLP that is not gated) of a
     * layer: the input of down_proj, TransformerLens's {@code blocks.L.mlp.hook_post}.
     *
     * @param activation (batch, positions of this call, d_mlp)
     * @param residual   (batch, positions, d_model): the residual stream the MLP's output is added to
     * @param step       the positions this call computes
     */
    default void onActivation(int layer, NDArray activation, NDArray residual, DecoderStack.Step step) {
    }

    /**
     * Sees, and may change in place, the activation act(gate)·up of one expert of a mixture-of-experts layer, computed
     * at every position; only the positions routed to the expert reach the layer's output (weighted by the router).
     *
     * @param expert     the expert as the atlas's expert column names it: its index ("5") or "shared"
     * @param activation (batch, positions of this call, expert width)
     * @param routed     (batch, positions, 1): the router's weight of this expert at each position, 0 where the
     *                   token is not routed to it; null for the shared expert, which every token passes through
     */
    default void onExpertActivation(int layer, String expert, NDArray activation, NDArray routed,
                                    DecoderStack.Step step) {
    }

    /**
     * The shared expert's gate σ(x·shared_expert_gate) of a mixture layer: (batch, positions, 1), what its output is
     * weighted by at each position (Qwen2-MoE). Called after {@link #onExpertActivation} for the shared expert.
     */
    default void onSharedExpertGate(int layer, NDArray gate) {
    }

    /**
     * Whether {@link #onExpertActivation} is to see the routed experts' activations. If not, the stack runs each
     * expert on the tokens routed to it alone, as transformers does, instead of on every position.
     */
    default boolean seesExperts() {
        return true;
    }

    /**
     * x_{l+1}, the output of a layer, in scope; returns the array the next layer reads (the same, or rows joined to
     * it). Called after the layer's temporaries are freed.
     */
    default NDArray afterLayer(int layer, NDArray x, NDManager scope) {
        return x;
    }
}
