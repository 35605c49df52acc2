package io.neuronatlas.checkpoint;

import java.io.Serializable;

/**
 * The tensors of one decoder layer besides its MLP matrices (which {@link NeuronSource} gives), in the roles the one
 * decoder stack knows; null where a family has none. The norms' order in a layer: attnIn before attention, attnOut
 * on attention's output (Gemma-2/3, OLMo-2), mlpIn before the MLP, mlpOut on its output (Gemma-2/3, OLMo-2).
 *
 * @param q       query projection's output features (heads·head_dim)
 * @param qBias   and its bias, or null; likewise k, v (kv_heads·head_dim) and o (hidden_size)
 * @param upBias  the MLP's first matrix's bias (GPT-2, GPT-NeoX), or null
 * @param downBias the MLP's output projection's bias, or null
 * @param sinks    [heads] attention sinks (gpt-oss): a learned logit per head in the softmax's denominator, or null
 */
public record LayerTensors(Norm attnIn, Norm attnOut, Norm mlpIn, Norm mlpOut, String qNorm, String kNorm,
                           TensorSlice q, TensorSlice k, TensorSlice v, TensorSlice o, TensorSlice qBias,
                           TensorSlice kBias, TensorSlice vBias, TensorSlice oBias, String upBias, String downBias,
                           String sinks) implements Serializable {

    /** A norm's weight and, for a LayerNorm, its bias (else null). */
    public record Norm(String weight, String bias) implements Serializable {
        public static Norm rms(String weight) {
            return new Norm(weight, null);
        }

        /** A LayerNorm named prefix.weight and prefix.bias. */
        public static Norm layerNorm(String prefix) {
            return new Norm(prefix + ".weight", prefix + ".bias");
        }
    }

    public LayerTensors {
        if (q == null || k == null || v == null || o == null) {
            throw new IllegalArgumentException("a layer needs q, k, v and o projections");
        }
    }

    /** These tensors and a layer's attention sinks. */
    public LayerTensors withSinks(String tensor) {
        return new LayerTensors(attnIn, attnOut, mlpIn, mlpOut, qNorm, kNorm, q, k, v, o, qBias, kBias, vBias, oBias,
                upBias, downBias, tensor);
    }
}
