package io.neuronatlas.compute.forward;

import ai.djl.ndarray.NDArray;

/**
 * One decoder layer on the device. Projections are kept as transposed views ([in, out]) so that activations are
 * always the left operand of a product and results land in the caller's manager, never in the model's.
 *
 * @param inputNorm (d_model) RMSNorm scale before attention
 * @param q         (d_model, heads·head_dim)
 * @param k         (d_model, kv_heads·head_dim)
 * @param v         (d_model, kv_heads·head_dim)
 * @param o         (heads·head_dim, d_model)
 * @param qBias     (heads·head_dim) or null
 * @param kBias     (kv_heads·head_dim) or null
 * @param vBias     (kv_heads·head_dim) or null
 * @param oBias     (d_model) or null
 * @param postNorm  (d_model) RMSNorm scale before the MLP
 * @param gate      (d_model, d_mlp)
 * @param up        (d_model, d_mlp)
 * @param down      (d_mlp, d_model): row n is what neuron n writes, down_proj's column n
 */
record LayerWeights(NDArray inputNorm, NDArray q, NDArray k, NDArray v, NDArray o, NDArray qBias, NDArray kBias,
                    NDArray vBias, NDArray oBias, NDArray postNorm, NDArray gate, NDArray up, NDArray down) {
}
