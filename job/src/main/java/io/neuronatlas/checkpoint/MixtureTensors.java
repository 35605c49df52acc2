package io.neuronatlas.checkpoint;

import java.io.Serializable;

/**
 * The tensors of a mixture-of-experts layer besides its experts' MLP matrices (which {@link NeuronSource} gives for
 * each {@link MlpBlock}): the router [experts, d_model] and its bias (gpt-oss), the shared expert's scalar gate
 * [1, d_model] (Qwen2-MoE); null where the family has none.
 */
public record MixtureTensors(String router, String routerBias, String sharedGate) implements Serializable {
    public MixtureTensors {
        if (router == null) {
            throw new IllegalArgumentException("a mixture needs a router");
        }
    }
}
