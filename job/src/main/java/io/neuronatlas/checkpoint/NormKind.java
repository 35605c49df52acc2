package io.neuronatlas.checkpoint;

/**
 * A model's normalisation, and how --fold-norm folds its final one into the LM head so that a neuron's scores are
 * what the model's head would make of the normalised direction (TransformerLens's fold_ln).
 */
public enum NormKind {
    /** RMSNorm, x̂·w (Llama, Mistral, Qwen, OLMo-2, Phi-3, Mixtral, gpt-oss): folded, U[t, j]·w[j]. */
    RMS("RMSNorm, x·w"),
    /** Gemma's RMSNorm, x̂·(1 + w), whose stored weight is an offset from 1: folded, U[t, j]·(1 + w[j]). */
    RMS_PLUS_ONE("RMSNorm, x·(1 + w)"),
    /**
     * LayerNorm, (x − mean)/std·w + b (GPT-2, GPT-NeoX): folded, U[t, j]·w[j], and the bias adds U[t]·b to every score
     * of token t.
     */
    LAYER_NORM("LayerNorm, x·w + b");

    private final String formula;

    NormKind(String formula) {
        this.formula = formula;
    }

    /** The factor weight w puts on its dimension. */
    public float scale(float w) {
        return this == RMS_PLUS_ONE ? 1 + w : w;
    }

    public boolean hasBias() {
        return this == LAYER_NORM;
    }

    /** "RMSNorm, x·w" and the like, for inspect. */
    public String formula() {
        return formula;
    }
}
