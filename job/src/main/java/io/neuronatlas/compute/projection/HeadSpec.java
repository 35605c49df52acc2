package io.neuronatlas.compute.projection;

import java.io.Serializable;

/**
 * Which LM head a projection reads and how: plain data, so that an executor loads it once and every task that names
 * the same head shares it.
 *
 * @param tensor   the resolved head tensor (lm_head.weight, or the tied embedding)
 * @param vocab    rows of the head
 * @param dModel   width of the residual stream
 * @param foldNorm the head scaled by the final norm's weight first (--fold-norm), and a LayerNorm's bias added
 * @param softcap  the model's final_logit_softcapping, 0 for none ({@link Logits})
 */
public record HeadSpec(String tensor, int vocab, int dModel, boolean foldNorm, double softcap)
        implements Serializable {
    public HeadSpec {
        if (tensor == null || vocab < 1 || dModel < 1 || !(softcap >= 0)) {
            throw new IllegalArgumentException("invalid head " + tensor + " [" + vocab + ", " + dModel + "], softcap "
                    + softcap);
        }
    }

    /** A head whose logits are its scores. */
    public HeadSpec(String tensor, int vocab, int dModel, boolean foldNorm) {
        this(tensor, vocab, dModel, foldNorm, 0);
    }
}
