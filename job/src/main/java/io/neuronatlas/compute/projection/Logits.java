package io.neuronatlas.compute.projection;

/**
 * What the model does to x·Uᵀ before its softmax besides the product: a per-token bias (a folded LayerNorm's bias
 * adds U[t]·b to every score of token t) and softcapping (Gemma-2/3: logits = c·tanh(s/c)). The bias is part of the
 * score; the softcap is not: scores stay the dot product, and only what comes from the softmax (prob, normalized
 * prob, logsumexp, entropy) uses the capped logits, which rank the tokens in the same order.
 *
 * @param bias    (vocab) added to every score, or null
 * @param softcap c, or 0 for none
 */
public record Logits(float[] bias, double softcap) {
    public static final Logits RAW = new Logits(null, 0);

    public Logits {
        if (!(softcap >= 0) || Double.isInfinite(softcap)) {
            throw new IllegalArgumentException("softcap must be positive, or 0 for none: " + softcap);
        }
        if (bias != null) {
            for (float b : bias) {
                if (!Float.isFinite(b)) {
                    throw new IllegalArgumentException("the logit bias has a non-finite value " + b);
                }
            }
            bias = bias.clone();
        }
    }

    /** The logit of a score: c·tanh(s/c) with a softcap, s without one. */
    public double logit(double score) {
        return softcap > 0 ? softcap * Math.tanh(score / softcap) : score;
    }
}
