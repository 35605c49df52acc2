package io.neuronatlas.compute.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/** Reduces logits to {@link NextTokenStats} on the device, so a batch moves five numbers per row, not a vocabulary. */
final class TokenStatistics {
    private TokenStatistics() {
    }

    /** @param logits (batch, vocab) float32 */
    static NextTokenStats[] of(NDArray logits, int target) {
        long batch = logits.getShape().get(0);
        NDArray probs = logits.softmax(-1);
        NDArray targetLogits = logits.get(new NDIndex(":, {}", target));
        float[] targetLogit = targetLogits.toFloatArray();
        float[] targetProb = probs.get(new NDIndex(":, {}", target)).toFloatArray();
        long[] above = logits.gt(targetLogits.reshape(batch, 1)).toType(DataType.INT64, false)
                .sum(new int[] {1}).toLongArray();
        long[] top = logits.argMax(1).toLongArray();
        float[] topProb = probs.max(new int[] {1}).toFloatArray();
        NextTokenStats[] stats = new NextTokenStats[(int) batch];
        for (int b = 0; b < batch; b++) {
            stats[b] = new NextTokenStats(targetProb[b], targetLogit[b], (int) above[b] + 1, (int) top[b],
                    topProb[b]);
        }
        return stats;
    }
}
