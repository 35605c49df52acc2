package io.neuronatlas.compute.forward;

import io.neuronatlas.checkpoint.ForwardConfig;
import io.neuronatlas.checkpoint.RopeScaling;

/**
 * Rotary position embeddings as transformers computes them (modeling_rope_utils.py): inverse frequencies in float32
 * for each rope type, and cos/sin tables in Hugging Face's rotate_half layout, where dimension i pairs with
 * i + rotary_dim/2 (not the interleaved pairs of GGUF files), multiplied by the type's attention factor.
 *
 * <p>Two types depend on how many positions a forward call covers (transformers' dynamic_rope_update, which sees
 * max(position_ids) + 1): dynamic NTK raises theta beyond max_position_embeddings, longrope switches from short_factor
 * to long_factor beyond original_max_position_embeddings. So the table of a call over [start, start + count) uses
 * the frequencies of start + count positions; keys cached by an earlier, shorter call keep the rotation they had, as
 * in transformers' KV cache.
 */
final class Rotary {
    private final int dim; // rotary_dim: head_dim, or the part of it that rotates
    private final double theta;
    private final RopeScaling scaling;
    private final int maxPositions; // max_position_embeddings: where dynamic NTK starts
    private final float[] fixed; // (dim / 2) for every length, null for the length-dependent types
    private final float attention; // cos and sin multiplier

    Rotary(ForwardConfig config) {
        this(config.block().rotaryDim(config.headDim()), config.ropeTheta(), config.ropeScaling(),
                config.maxPositions());
    }

    /** @param rotaryDim the dimensions of a head that rotate (head_dim times partial_rotary_factor) */
    Rotary(int rotaryDim, double theta, RopeScaling scaling, int maxPositions) {
        if (rotaryDim <= 0 || rotaryDim % 2 != 0) {
            throw new IllegalArgumentException("rotary dimensions must be positive and even, found " + rotaryDim);
        }
        if (scaling instanceof RopeScaling.LongRope longRope && longRope.shortFactor().size() != rotaryDim / 2) {
            throw new IllegalArgumentException("longrope has " + longRope.shortFactor().size() + " factors; "
                    + rotaryDim + " rotary dimensions need " + rotaryDim / 2);
        }
        this.dim = rotaryDim;
        this.theta = theta;
        this.scaling = scaling;
        this.maxPositions = maxPositions;
        this.attention = (float) scaling.attentionFactor();
        boolean lengthDependent = scaling instanceof RopeScaling.Dynamic || scaling instanceof RopeScaling.LongRope;
        this.fixed = lengthDependent ? null : inverseFrequencies(rotaryDim, theta, scaling);
    }

    /** The inverse frequencies of a call covering positions [0, length): (rotary_dim / 2). */
    float[] inverseFrequencies(int length) {
        if (fixed != null) {
            return fixed;
        }
        if (scaling instanceof RopeScaling.Dynamic dynamic) {
            return dynamic(dim, theta, dynamic.factor(), maxPositions, length);
        }
        RopeScaling.LongRope longRope = (RopeScaling.LongRope) scaling;
        return longRope(dim, theta, longRope, length);
    }

    /**
     * The frequencies of the types that do not depend on the length: default (inv_freq_i = 1 / θ^(2i/dim)), linear,
     * yarn and llama3 (_compute_*_parameters).
     */
    static float[] inverseFrequencies(int dim, double theta, RopeScaling scaling) {
        float[] inv = defaults(dim, theta);
        if (scaling instanceof RopeScaling.Linear linear) {
            for (int i = 0; i < inv.length; i++) {
                inv[i] = (float) (inv[i] / linear.factor());
            }
        } else if (scaling instanceof RopeScaling.Llama3 llama3) {
            llama3(inv, llama3);
        } else if (scaling instanceof RopeScaling.Yarn yarn) {
            return yarn(dim, theta, yarn);
        } else if (scaling.kind() != RopeScaling.Kind.NONE) {
            throw new IllegalArgumentException("rope type " + scaling.kind().ropeType() + " depends on the length "
                    + "a call covers: use a Rotary");
        }
        return inv;
    }

    /** 1 / θ^(2i/dim) with the exponent and the power in float32, as torch forms them. */
    private static float[] defaults(int dim, double theta) {
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / dim;
            inv[i] = (float) (1.0 / (float) Math.pow(theta, exponent));
        }
        return inv;
    }

    private static void llama3(float[] inv, RopeScaling.Llama3 s) {
        double original = s.originalMaxPositions();
        double lowFreqWavelen = original / s.lowFreqFactor();
        double highFreqWavelen = original / s.highFreqFactor();
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            if (wavelen > lowFreqWavelen) {
                inv[i] = (float) (inv[i] / s.factor());
            } else if (wavelen >= highFreqWavelen) {
                double smooth = (original / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
                inv[i] = (float) ((1 - smooth) * inv[i] / s.factor() + smooth * inv[i]);
            }
        }
    }

    /**
     * _compute_yarn_parameters: each frequency blended between θ^(-2i/dim) (extrapolation) and that divided by
     * factor (interpolation); the blend is a ramp over dimensions from the correction dimension of beta_fast
     * rotations to that of beta_slow rotations within original_max_position_embeddings.
     */
    private static float[] yarn(int dim, double theta, RopeScaling.Yarn s) {
        double low = correctionDim(s.betaFast(), dim, theta, s.originalMaxPositions());
        double high = correctionDim(s.betaSlow(), dim, theta, s.originalMaxPositions());
        if (s.truncate()) {
            low = Math.floor(low);
            high = Math.ceil(high);
        }
        low = Math.max(low, 0);
        high = Math.min(high, dim - 1);
        if (low == high) {
            high += 0.001; // transformers' guard against a zero-width ramp
        }
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / dim;
            float posFreq = (float) Math.pow(theta, exponent);
            float extrapolation = 1f / posFreq;
            float interpolation = 1f / ((float) s.factor() * posFreq);
            float ramp = (float) Math.min(1, Math.max(0, (i - low) / (high - low)));
            float extrapolationShare = 1f - ramp;
            inv[i] = interpolation * (1f - extrapolationShare) + extrapolation * extrapolationShare;
        }
        return inv;
    }

    /** The dimension whose wavelength makes `rotations` turns over `positions`. */
    private static double correctionDim(double rotations, int dim, double theta, int positions) {
        return dim * Math.log(positions / (rotations * 2 * Math.PI)) / (2 * Math.log(theta));
    }

    /**
     * _compute_dynamic_ntk_parameters for a call over `length` positions: θ' = θ·(factor·L/max − (factor − 1))^(dim
     * /(dim − 2)) with L = max(length, max_position_embeddings), in float32 as transformers forms it from a tensor.
     */
    static float[] dynamic(int dim, double theta, double factor, int maxPositions, int length) {
        if (length <= maxPositions) {
            return defaults(dim, theta);
        }
        float ratio = (float) factor * (float) length / (float) maxPositions - (float) (factor - 1);
        float base = (float) theta * (float) Math.pow(ratio, (double) dim / (dim - 2));
        return defaults(dim, base);
    }

    /** _compute_longrope_parameters: 1 / (ext_i · θ^(2i/dim)), ext the long factors past the original context. */
    static float[] longRope(int dim, double theta, RopeScaling.LongRope s, int length) {
        boolean beyond = length > s.originalMaxPositions();
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            float ext = (float) (double) (beyond ? s.longFactor() : s.shortFactor()).get(i);
            float exponent = (float) (2 * i) / dim;
            inv[i] = 1f / (ext * (float) Math.pow(theta, exponent));
        }
        return inv;
    }

    /**
     * cos (index 0) and sin (index 1) of positions [start, start + count) in one call, each (count, rotary_dim)
     * row-major with the frequencies repeated over both halves and multiplied by the attention factor. Angles are
     * float32 products, as transformers forms them.
     */
    float[][] cosSin(int start, int count) {
        float[] inverseFrequencies = inverseFrequencies(start + count);
        int half = inverseFrequencies.length;
        float[] cos = new float[count * dim];
        float[] sin = new float[count * dim];
        for (int p = 0; p < count; p++) {
            float position = start + p;
            for (int i = 0; i < half; i++) {
                float angle = position * inverseFrequencies[i];
                float c = (float) Math.cos(angle) * attention;
                float s = (float) Math.sin(angle) * attention;
                cos[p * dim + i] = c;
                cos[p * dim + half + i] = c;
                sin[p * dim + i] = s;
                sin[p * dim + half + i] = s;
            }
        }
        return new float[][] {cos, sin};
    }
}
