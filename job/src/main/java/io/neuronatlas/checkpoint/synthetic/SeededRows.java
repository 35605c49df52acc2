package io.neuronatlas.checkpoint.synthetic;

import java.util.SplittableRandom;

/**
 * Random weights as a pure function of (seed, stream, row), so a writer can rebuild any row (a planted neuron from
 * LM head rows, say) without keeping a matrix in memory.
 */
final class SeededRows {
    /** Uniform on ±√3 has variance 1. */
    static final double UNIFORM_UNIT = Math.sqrt(3.0);

    private final long seed;

    SeededRows(long seed) {
        this.seed = seed;
    }

    /** Fills dst with uniform values on ±halfWidth. */
    void fillUniform(String stream, long row, float[] dst, double halfWidth) {
        SplittableRandom r = random(stream, row);
        for (int i = 0; i < dst.length; i++) {
            dst[i] = (float) ((r.nextDouble() * 2 - 1) * halfWidth);
        }
    }

    /** Fills dst with 1 + uniform on ±spread/2: the scale of a norm. */
    void fillAroundOne(String stream, long row, float[] dst, double spread) {
        fillAround(stream, row, dst, 1.0, spread);
    }

    /** Fills dst with center + uniform on ±spread/2. */
    void fillAround(String stream, long row, float[] dst, double center, double spread) {
        SplittableRandom r = random(stream, row);
        for (int i = 0; i < dst.length; i++) {
            dst[i] = (float) (center + spread * (r.nextDouble() - 0.5));
        }
    }

    SplittableRandom random(String stream, long row) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ stream.hashCode() * 0xC2B2AE3D27D4EB4FL ^ row);
    }
}
