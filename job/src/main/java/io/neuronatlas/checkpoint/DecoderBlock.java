package io.neuronatlas.checkpoint;

import java.io.Serializable;

/**
 * How a family's decoder layer differs from Llama's, as data the one decoder stack reads; which norms a layer has is
 * given by its {@link LayerTensors} (an absent norm is none).
 *
 * @param qkNorm           where q_norm and k_norm apply (their tensors are in {@link LayerTensors})
 * @param parallelResidual GPT-NeoX's use_parallel_residual: x + attn(ln1(x)) + mlp(ln2(x)) instead of in sequence
 * @param rotaryFraction   the part of each head that is rotated (GPT-NeoX's rotary_pct, partial_rotary_factor): the
 *                         first rotaryFraction·head_dim dimensions; 0 for learned positions
 * @param embedScale       the embedding is multiplied by this, in the model's precision (Gemma: √hidden_size)
 * @param queryScale       multiplies q·kᵀ: head_dim^-½, or Gemma-2/3's query_pre_attn_scalar^-½
 * @param attentionSoftcap Gemma-2's attn_logit_softcapping c: scores become c·tanh(s/c); 0 for none
 * @param routing          how a mixture's router picks and weighs experts; null for a family without experts
 */
public record DecoderBlock(QkNorm qkNorm, boolean parallelResidual, double rotaryFraction, double embedScale,
                           double queryScale, double attentionSoftcap, Routing routing) implements Serializable {

    /** Where a layer's query and key norms apply. */
    public enum QkNorm {
        NONE,
        /** Qwen3, Gemma-3: over head_dim, each head on its own. */
        PER_HEAD,
        /** OLMo-2: over the whole projection, all heads together. */
        WHOLE
    }

    public DecoderBlock {
        if (qkNorm == null) {
            throw new IllegalArgumentException("qkNorm is required");
        }
        if (!(rotaryFraction >= 0 && rotaryFraction <= 1)) {
            throw new IllegalArgumentException("rotary_pct (partial_rotary_factor) must be within [0, 1], found "
                    + rotaryFraction);
        }
        if (!(embedScale > 0) || !(queryScale > 0) || Double.isInfinite(queryScale)) {
            throw new IllegalArgumentException("embedding and query scales must be positive, found " + embedScale
                    + ", " + queryScale);
        }
        if (!(attentionSoftcap >= 0) || Double.isInfinite(attentionSoftcap)) {
            throw new IllegalArgumentException("attn_logit_softcapping must be positive or null, found "
                    + attentionSoftcap);
        }
    }

    /** Llama's layer: no q/k norms, sequential residual, full rotary, 1/√head_dim. */
    public static DecoderBlock llama(int headDim) {
        return new DecoderBlock(QkNorm.NONE, false, 1, 1, 1 / Math.sqrt(headDim), 0, null);
    }

    public DecoderBlock withQkNorm(QkNorm v) {
        return new DecoderBlock(v, parallelResidual, rotaryFraction, embedScale, queryScale, attentionSoftcap,
                routing);
    }

    public DecoderBlock withRotary(double fraction, boolean parallel) {
        return new DecoderBlock(qkNorm, parallel, fraction, embedScale, queryScale, attentionSoftcap, routing);
    }

    public DecoderBlock withScales(double embed, double query, double softcap) {
        return new DecoderBlock(qkNorm, parallelResidual, rotaryFraction, embed, query, softcap, routing);
    }

    public DecoderBlock withRouting(Routing r) {
        return new DecoderBlock(qkNorm, parallelResidual, rotaryFraction, embedScale, queryScale, attentionSoftcap,
                r);
    }

    /** Rotated dimensions of a head, even (HF: int(head_dim · factor)). */
    public int rotaryDim(int headDim) {
        return (int) (headDim * rotaryFraction);
    }
}
