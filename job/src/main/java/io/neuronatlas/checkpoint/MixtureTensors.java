package io.neuronatlas.checkpoint;

import java.io.Serializable;
import java.util.Map;

/**
 * The tensors of a mixture-of-experts layer besides its experts' MLP matrices (which {@link NeuronSource} gives for
 * each {@link MlpBlock}): the router [experts, d_model] and its bias (gpt-oss), the shared expert's scalar gate
 * [1, d_model] (Qwen2-MoE), the routed experts' biases (gpt-oss); null or empty where the family has none.
 *
 * @param expertBiases the routed experts' biases by matrix, each stacked [experts, outputs] with a matrix's outputs
 *                     where its {@link NeuronSource} puts them: gate's and up's along the neurons' axis (gpt-oss's
 *                     gate_up_proj_bias [experts, 2·width]: gate neuron n's bias at 2n, up's at 2n + 1, as their
 *                     columns of gate_up_proj), down's along d_model (down_proj_bias [experts, d_model])
 */
public record MixtureTensors(String router, String routerBias, String sharedGate, Map<MlpMatrix, String> expertBiases)
        implements Serializable {
    public MixtureTensors {
        if (router == null) {
            throw new IllegalArgumentException("a mixture needs a router");
        }
        expertBiases = Map.copyOf(expertBiases);
    }

    /** A router without a bias and experts without biases (Mixtral, Qwen-MoE). */
    public MixtureTensors(String router, String sharedGate) {
        this(router, null, sharedGate, Map.of());
    }
}
