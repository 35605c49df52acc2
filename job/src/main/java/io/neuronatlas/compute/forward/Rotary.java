package io.neuronatlas.compute.forward;

import io.neuronatlas.checkpoint.ForwardConfig;
import io.neuronatlas.checkpoint.RopeScaling;

/**
 * Rotary position embeddings as transformers computes them (modeling_rope_utils.py): inverse frequencies in float32
 * with linear or llama3 scaling, and cos/sin tables in Hugging Face's rotate_half layout, where dimension i pairs with
 * i + head_dim/2 (not the interleaved pairs of GGUF files).
 */
final class Rotary {
    private final float[] inverseFrequencies; // (head_dim / 2)

    Rotary(ForwardConfig config) {
        this(config.block().rotaryDim(config.headDim()), config.ropeTheta(), config.ropeScaling());
    }

    /** Frequencies of the first rotaryDim dimensions of a head (all of them but for partial rotary). */
    Rotary(int rotaryDim, double theta, RopeScaling scaling) {
        this.inverseFrequencies = inverseFrequencies(rotaryDim, theta, scaling);
    }

    /** inv_freq_i = 1 / θ^(2i/head_dim), then scaled (_compute_linear_scaling / _compute_llama3_parameters). */
    static float[] inverseFrequencies(int headDim, double theta, RopeScaling scaling) {
        float[] inv = new float[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / headDim;
            inv[i] = (float) (1.0 / (float) Math.pow(theta, exponent));
        }
        switch (scaling.kind()) {
            case NONE -> {
            }
            case LINEAR -> {
                for (int i = 0; i < inv.length; i++) {
                    inv[i] = (float) (inv[i] / scaling.factor());
                }
            }
            case LLAMA3 -> {
                double original = scaling.originalMaxPositions();
                double lowFreqWavelen = original / scaling.lowFreqFactor();
                double highFreqWavelen = original / scaling.highFreqFactor();
                for (int i = 0; i < inv.length; i++) {
                    double wavelen = 2 * Math.PI / inv[i];
                    if (wavelen > lowFreqWavelen) {
                        inv[i] = (float) (inv[i] / scaling.factor());
                    } else if (wavelen >= highFreqWavelen) {
                        double smooth = (original / wavelen - scaling.lowFreqFactor())
                                / (scaling.highFreqFactor() - scaling.lowFreqFactor());
                        inv[i] = (float) ((1 - smooth) * inv[i] / scaling.factor() + smooth * inv[i]);
                    }
                }
            }
            default -> throw new IllegalStateException("rope scaling " + scaling.kind() + " has no frequencies");
        }
        return inv;
    }

    /**
     * cos (index 0) and sin (index 1) of positions [start, start + count), each (count, rotary dim) row-major with
     * the frequencies repeated over both halves. Angles are float32 products, as transformers forms them.
     */
    float[][] cosSin(int start, int count) {
        int half = inverseFrequencies.length;
        int dim = 2 * half;
        float[] cos = new float[count * dim];
        float[] sin = new float[count * dim];
        for (int p = 0; p < count; p++) {
            float position = start + p;
            for (int i = 0; i < half; i++) {
                float angle = position * inverseFrequencies[i];
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[p * dim + i] = c;
                cos[p * dim + half + i] = c;
                sin[p * dim + i] = s;
                sin[p * dim + half + i] = s;
            }
        }
        return new float[][] {cos, sin};
    }
}
