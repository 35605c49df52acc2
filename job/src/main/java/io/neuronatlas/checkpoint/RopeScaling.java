package io.neuronatlas.checkpoint;

import java.io.Serializable;
import java.util.Locale;

/**
 * config.json's {@code rope_scaling}: how rotary frequencies are stretched for long contexts. Only the kinds with a
 * forward pass here exist; {@link ForwardConfig#read} refuses the others (dynamic, yarn, longrope, ...) by name.
 *
 * @param kind                 NONE (no rope_scaling, or rope_type "default"), LINEAR or LLAMA3
 * @param factor               divides the frequencies (LINEAR: all of them; LLAMA3: the low ones); 1 for NONE
 * @param lowFreqFactor        LLAMA3 only: wavelengths above original/low are divided by factor
 * @param highFreqFactor       LLAMA3 only: wavelengths below original/high are kept; between the two, blended
 * @param originalMaxPositions LLAMA3 only: original_max_position_embeddings, the pre-training context
 */
public record RopeScaling(Kind kind, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalMaxPositions) implements Serializable {

    public static final RopeScaling NONE = new RopeScaling(Kind.NONE, 1, 0, 0, 0);

    /** The rope_type values of transformers' modeling_rope_utils that a forward pass here implements. */
    public enum Kind {
        NONE("default"),
        LINEAR("linear"),
        LLAMA3("llama3");

        private final String ropeType;

        Kind(String ropeType) {
            this.ropeType = ropeType;
        }

        /** The value of rope_scaling.rope_type (older files: rope_scaling.type). */
        public String ropeType() {
            return ropeType;
        }

        /** The kind for a rope_type, or null when there is no forward pass for it. */
        static Kind of(String ropeType) {
            for (Kind kind : values()) {
                if (kind.ropeType.equals(ropeType.toLowerCase(Locale.ROOT))) {
                    return kind;
                }
            }
            return null;
        }
    }

    public RopeScaling {
        if (kind == null) {
            throw new IllegalArgumentException("rope_scaling needs a kind");
        }
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("rope_scaling.factor must be a positive number, found " + factor);
        }
        if (kind == Kind.LLAMA3) {
            if (!(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) || Double.isInfinite(highFreqFactor)) {
                throw new IllegalArgumentException("rope_scaling of type llama3 needs 0 < low_freq_factor < "
                        + "high_freq_factor, found low_freq_factor=" + lowFreqFactor + ", high_freq_factor="
                        + highFreqFactor);
            }
            if (originalMaxPositions <= 0) {
                throw new IllegalArgumentException("rope_scaling.original_max_position_embeddings must be "
                        + "positive, found " + originalMaxPositions);
            }
        }
    }

    public static RopeScaling linear(double factor) {
        return new RopeScaling(Kind.LINEAR, factor, 0, 0, 0);
    }

    public static RopeScaling llama3(double factor, double lowFreqFactor, double highFreqFactor,
                                     int originalMaxPositions) {
        return new RopeScaling(Kind.LLAMA3, factor, lowFreqFactor, highFreqFactor, originalMaxPositions);
    }
}
