package io.neuronatlas.checkpoint;

import java.io.Serializable;

/**
 * How a mixture's router turns its logits (one per expert) into the weights of the top-k experts of a token, as the
 * family's modeling code does it in transformers 5.18.
 *
 * @param topK          num_experts_per_tok: experts each token is routed to
 * @param softmaxFirst  softmax over all experts' logits, then the k largest probabilities (Mixtral, Qwen-MoE); else
 *                      the k largest logits, then a softmax over those k (gpt-oss)
 * @param renormalize   after softmaxFirst, divide the k probabilities by their sum (Mixtral always; Qwen-MoE's
 *                      norm_topk_prob)
 */
public record Routing(int topK, boolean softmaxFirst, boolean renormalize) implements Serializable {
    public Routing {
        if (topK < 1) {
            throw new IllegalArgumentException("num_experts_per_tok must be at least 1, found " + topK);
        }
    }

    /**
     * (tokens, experts) weights of the experts each token is routed to, 0 for the others, from (tokens, experts)
     * router logits: float32 as transformers computes them (softmax in float32; ties go to the lower index).
     */
    public float[] weights(float[] logits, int experts) {
        if (topK > experts) {
            throw new IllegalArgumentException("num_experts_per_tok=" + topK + " exceeds the " + experts + " experts");
        }
        int tokens = logits.length / experts;
        float[] out = new float[logits.length];
        for (int t = 0; t < tokens; t++) {
            int base = t * experts;
            float[] scores = new float[experts];
            System.arraycopy(logits, base, scores, 0, experts);
            if (softmaxFirst) {
                softmax(scores, experts);
            }
            int[] top = largest(scores, topK);
            float[] chosen = new float[topK];
            for (int i = 0; i < topK; i++) {
                chosen[i] = scores[top[i]];
            }
            if (!softmaxFirst) {
                softmax(chosen, topK);
            } else if (renormalize) {
                float sum = 0;
                for (float c : chosen) {
                    sum += c;
                }
                for (int i = 0; i < topK; i++) {
                    chosen[i] /= sum;
                }
            }
            for (int i = 0; i < topK; i++) {
                out[base + top[i]] = chosen[i];
            }
        }
        return out;
    }

    private static void softmax(float[] x, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(x[i] - max);
        }
        for (int i = 0; i < n; i++) {
            x[i] = (float) (Math.exp(x[i] - max) / sum);
        }
    }

    /** Indices of the k largest values, largest first; among equal values the lower index. */
    private static int[] largest(float[] x, int k) {
        int[] top = new int[k];
        boolean[] taken = new boolean[x.length];
        for (int i = 0; i < k; i++) {
            int best = -1;
            for (int e = 0; e < x.length; e++) {
                if (!taken[e] && (best < 0 || x[e] > x[best])) {
                    best = e;
                }
            }
            taken[best] = true;
            top[i] = best;
        }
        return top;
    }
}
