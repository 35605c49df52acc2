package io.neuronatlas.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.neuronatlas.compute.projection.DirectStaging;
import io.neuronatlas.compute.projection.LmHead;
import io.neuronatlas.compute.projection.DirectStaging;
import io.neuronatlas.compute.projection.LmHead;
import java.util.Objects;

/**
 * Speed baseline for benchmarks: the bare X·Uᵀ product and torch topk(k) for both polarities, copying
 * back only the k values and ids per neuron. No statistics, no softmax, no tie ordering.
 *
 * <p>Not thread-safe (it reuses one upload buffer); use one instance per thread.
 */
public final class BaselineKernel {
    private final DirectStaging staging = new DirectStaging();
    // Consumes the copied-back results so the work is observably used.
    private long checksum;

    /** @param vectors {@code count × d_model} floats, row-major */
    public void run(LmHead head, float[] vectors, int count, int k) {
        Objects.requireNonNull(head, "head");
        Objects.requireNonNull(vectors, "vectors");
        int d = head.dModel();
        if (count < 1 || (long) count * d > vectors.length) {
            throw new IllegalArgumentException("need " + count + " x " + d + " floats, got " + vectors.length);
        }
        if (k < 1 || k > head.vocab()) {
            throw new IllegalArgumentException("k must be in [1, " + head.vocab() + "]: " + k);
        }
        try (NDManager batch = head.newSubManager()) {
            NDArray x = staging.upload(batch, vectors, count, d);
            NDArray s = head.scores(x);
            NDList pos = s.topK(k, 1, true, true);
            NDList neg = s.topK(k, 1, false, true);
            float[] posVals = pos.get(0).toFloatArray();
            long[] posIds = pos.get(1).toLongArray();
            float[] negVals = neg.get(0).toFloatArray();
            long[] negIds = neg.get(1).toLongArray();
            checksum += Float.floatToRawIntBits(posVals[0]) + posIds[posIds.length - 1]
                    + Float.floatToRawIntBits(negVals[0]) + negIds[negIds.length - 1];
        }
    }

    /** Meaningless sum of a few results, for benchmarks that want to consume them. */
    public long checksum() {
        return checksum;
    }
}
