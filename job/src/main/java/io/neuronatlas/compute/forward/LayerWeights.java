package io.neuronatlas.compute.forward;

import ai.djl.ndarray.NDArray;
import io.neuronatlas.checkpoint.MlpBlock;
import java.util.List;

/**
 * One decoder layer on the device, in the roles of {@link io.neuronatlas.checkpoint.LayerTensors} whatever the
 * family stored: projections as [in, out] (transposed views of nn.Linear weights, Conv1D weights as stored, parts of
 * fused ones copied out), so that activations are always the left operand of a product and results land in the
 * caller's manager, never in the model's. A null norm or bias is absent in the family.
 *
 * @param attnIn   norm before attention
 * @param attnOut  norm on attention's output (Gemma-2/3, OLMo-2)
 * @param mlpIn    norm before the MLP
 * @param mlpOut   norm on the MLP's output (Gemma-2/3, OLMo-2)
 * @param qNorm    (head_dim) or (heads·head_dim) query norm, or null
 * @param kNorm    (head_dim) or (kv_heads·head_dim) key norm, or null
 * @param q        (d_model, heads·head_dim)
 * @param k        (d_model, kv_heads·head_dim)
 * @param v        (d_model, kv_heads·head_dim)
 * @param o        (heads·head_dim, d_model)
 * @param qBias    (heads·head_dim) or null; likewise kBias, vBias, oBias (d_model)
 * @param gate     (d_model, d_mlp), null for an MLP that is not gated
 * @param up       (d_model, d_mlp)
 * @param down     (d_mlp, d_model): row n is what neuron n writes, down_proj's column n
 * @param upBias   (d_mlp) or null
 * @param downBias (d_model) or null
 * @param mixture  the experts of a mixture-of-experts layer (whose gate, up and down are then null), or null
 * @param sinks    (kv_heads, queries per kv head, 1, 1) float32 attention sinks (gpt-oss), query head h at
 *                 [h / group, h % group], or null
 */
record LayerWeights(Norm attnIn, Norm attnOut, Norm mlpIn, Norm mlpOut, Norm qNorm, Norm kNorm, NDArray q,
                    NDArray k, NDArray v, NDArray o, NDArray qBias, NDArray kBias, NDArray vBias, NDArray oBias,
                    NDArray gate, NDArray up, NDArray down, NDArray upBias, NDArray downBias, Mixture mixture,
                    NDArray sinks) {

    /** (width, d_model): down_proj of the layer's dense MLP (expert null) or of one of its experts ("5", "shared"). */
    NDArray downOf(String expert) {
        if (expert == null) {
            return down;
        }
        return MlpBlock.SHARED.equals(expert) ? mixture.shared().down()
                : mixture.experts().get(Integer.parseInt(expert)).down();
    }

    /**
     * One gated MLP: gate and up (d_model, width), down (width, d_model); their biases, gate's and up's (width) and
     * down's (d_model), or null (only gpt-oss's experts have them).
     */
    record Mlp(NDArray gate, NDArray up, NDArray down, NDArray gateBias, NDArray upBias, NDArray downBias) {
    }

    /**
     * A mixture of experts.
     *
     * @param router     (d_model, experts)
     * @param routerBias (experts) or null
     * @param experts    the routed experts, by index
     * @param shared     the expert every token passes through (Qwen2-MoE), or null
     * @param sharedGate (d_model, 1): σ(x·sharedGate) weighs the shared expert's output; null without one
     */
    record Mixture(NDArray router, NDArray routerBias, List<Mlp> experts, Mlp shared, NDArray sharedGate) {
    }

    /**
     * A norm's scale and bias on the device: RMSNorm's weight at the model's precision (Llama applies it after the
     * cast back); Gemma's 1 + w, gpt-oss's RMSNorm weight and LayerNorm's weight and bias in float32 (applied before
     * the cast, as transformers).
     *
     * @param weight (width)
     * @param bias   (width) or null
     */
    record Norm(NDArray weight, NDArray bias) {
    }
}
