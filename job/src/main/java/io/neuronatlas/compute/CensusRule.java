package io.neuronatlas.compute;

import io.neuronatlas.checkpoint.MlpMatrix;
import java.io.Serializable;

/**
 * Gurnee et al.'s census ("Universal Neurons in GPT2 Language Models", 2024): a down_proj column whose cosines with
 * the unembedding rows have a Pearson kurtosis above the threshold (theirs: 10) is a prediction neuron if their skew
 * is positive (it raises a few tokens) and a suppression neuron if it is negative (it lowers them). Only what a
 * neuron writes (down_proj) is classified: gate and up rows read the residual stream.
 *
 * @param kurtosis the threshold (map --census-kurtosis)
 */
public record CensusRule(double kurtosis) implements Serializable {
    public static final double DEFAULT_KURTOSIS = 10;
    public static final String PREDICTION = "prediction";
    public static final String SUPPRESSION = "suppression";

    public CensusRule {
        if (!(kurtosis > 0) || Double.isInfinite(kurtosis)) {
            throw new IllegalArgumentException("--census-kurtosis must be a positive number, found " + kurtosis);
        }
    }

    /** 'prediction', 'suppression', or null: not a down_proj column, kurtosis not above the threshold, or no skew. */
    public String classify(MlpMatrix matrix, float vocabCosSkew, float vocabCosKurtosis) {
        if (matrix != MlpMatrix.DOWN || !(vocabCosKurtosis > kurtosis) || vocabCosSkew == 0) {
            return null;
        }
        return vocabCosSkew > 0 ? PREDICTION : SUPPRESSION;
    }
}
