package io.neuronatlas.compute.projection;

import java.io.Serializable;

/**
 * Which LM head a projection reads and how: plain data, so that an executor loads it once and every task that names
 * the same head shares it.
 *
 * @param tensor   the resolved head tensor (lm_head.weight, or the tied embedding)
 * @param vocab    rows of the head
 * @param dModel   width of the residual stream
 * @param foldNorm the head scaled by the final norm's weight first (--fold-norm)
 */
public record HeadSpec(String tensor, int vocab, int dModel, boolean foldNorm) implements Serializable {
    public HeadSpec {
        if (tensor == null || vocab < 1 || dModel < 1) {
            throw new IllegalArgumentException("invalid head " + tensor + " [" + vocab + ", " + dModel + "]");
        }
    }
}
