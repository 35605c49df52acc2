package io.neuronatlas.compute.projection;

import ai.djl.Device;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Random;

/** Seeded matrices and heads for the projection tests. */
final class Fixtures {
    private Fixtures() {
    }

    static float[] gaussian(Random rnd, int rows, int cols, double scale) {
        float[] a = new float[rows * cols];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (rnd.nextGaussian() * scale);
        }
        return a;
    }

    /** Small integers: every dot product is exact in float32 whatever the summation order. */
    static float[] integers(Random rnd, int rows, int cols, int bound) {
        float[] a = new float[rows * cols];
        for (int i = 0; i < a.length; i++) {
            a[i] = rnd.nextInt(2 * bound + 1) - bound;
        }
        return a;
    }

    static LmHead head(float[] u, int vocab, int d) {
        return head(u, vocab, d, LmHead.DEFAULT_CHUNK_ROWS);
    }

    /** A head with a per-token bias (or null) and a softcap (or 0). */
    static LmHead head(float[] u, int vocab, int d, float[] bias, double softcap) {
        try {
            return LmHead.load(Device.cpu(), vocab, d,
                    (first, count, dst) -> System.arraycopy(u, first * d, dst, 0, count * d), new Logits(bias, softcap));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static LmHead head(float[] u, int vocab, int d, int chunkRows) {
        try {
            return LmHead.load(Device.cpu(), vocab, d,
                    (first, count, dst) -> System.arraycopy(u, first * d, dst, 0, count * d), chunkRows);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
