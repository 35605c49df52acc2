package io.neuronatlas.compute.projection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * How far one batch of neurons' vocabulary distributions moved between two checkpoints: each checkpoint's vectors
 * through its own LM head, softmax of the model's logits over the whole vocabulary, compared on the device row by
 * row; only three numbers a neuron come back. With δ = log p − log q per token:
 * KL(p‖q) = Σ p·δ, KL(q‖p) = −Σ q·δ, and the Jensen–Shannon divergence ½Σ p·log(2/(1+e^(−δ))) + ½Σ q·log(2/(1+e^δ)),
 * a form that is exactly 0 where the two distributions are (δ = 0 gives log 1).
 */
public final class Divergence {
    /** |δ| beyond which a token's share of the smaller probability is below e^−80 and its term negligible. */
    static final float DELTA_CLIP = 80;

    /**
     * @param kl         KL(base‖checkpoint) per neuron, nats
     * @param klReverse  KL(checkpoint‖base) per neuron, nats
     * @param jsDistance √(JS divergence in bits) per neuron: 0 (same distribution) to 1 (disjoint)
     */
    public record Rows(double[] kl, double[] klReverse, double[] jsDistance) {
    }

    private Divergence() {
    }

    /**
     * @param base       the base checkpoint's head; both heads on one device
     * @param baseVectors (count, d_model) row-major, the base's neurons
     * @param vectors     (count, d_model) the same neurons of the other checkpoint
     */
    public static Rows of(LmHead base, float[] baseVectors, LmHead head, float[] vectors, int count) {
        int d = base.dModel();
        try (NDManager m = base.newSubManager()) {
            NDArray logP = logSoftmax(base, m.create(baseVectors, new Shape(count, d)), count, d);
            NDArray logQ = logSoftmax(head, m.create(vectors, new Shape(count, d)), count, d);
            NDArray delta = logP.sub(logQ);
            NDArray p = logP.exp();
            NDArray q = logQ.exp();
            float[] kl = p.mul(delta).sum(new int[] {1}).toFloatArray();
            float[] klReverse = q.mul(delta).sum(new int[] {1}).toFloatArray();
            NDArray clipped = delta.clip(-DELTA_CLIP, DELTA_CLIP);
            NDArray towardP = clipped.neg().exp().addi(1).pow(-1).muli(2).log(); // log(2/(1+e^−δ))
            NDArray towardQ = clipped.exp().addi(1).pow(-1).muli(2).log(); // log(2/(1+e^δ))
            float[] js = p.mul(towardP).sum(new int[] {1}).add(q.mul(towardQ).sum(new int[] {1})).muli(0.5f)
                    .toFloatArray();
            Rows rows = new Rows(new double[count], new double[count], new double[count]);
            for (int n = 0; n < count; n++) {
                rows.kl[n] = Math.max(0, kl[n]);
                rows.klReverse[n] = Math.max(0, -klReverse[n]);
                rows.jsDistance[n] = Math.sqrt(Math.max(0, js[n]) / Math.log(2));
            }
            return rows;
        }
    }

    /** log softmax of the model's logits (scores, softcapped where the model caps them) of x (count, d). */
    private static NDArray logSoftmax(LmHead head, NDArray x, int count, int d) {
        NDArray scores = head.scores(x);
        if (head.softcap() > 0) {
            scores = scores.div(head.softcap()).tanh().muli(head.softcap());
        }
        return scores.logSoftmax(1);
    }
}
