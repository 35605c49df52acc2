package io.neuronatlas.checkpoint;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * How rotary frequencies are stretched for long contexts: the rope_type of config.json's {@code rope_parameters}
 * (transformers 5) or {@code rope_scaling} (transformers 4), with the parameters transformers' modeling_rope_utils.py
 * reads for that type. Each type's attention factor (the multiplier of cos and sin) is resolved when the config is
 * read, with transformers' defaults; {@link RopeParameters} reads both spellings.
 */
public sealed interface RopeScaling extends Serializable {
    /** rope_type "default", or no scaling at all. */
    RopeScaling NONE = new None();

    /** The rope_type values of transformers' ROPE_INIT_FUNCTIONS that a forward pass here implements. */
    enum Kind {
        NONE("default"),
        LINEAR("linear"),
        DYNAMIC("dynamic"),
        YARN("yarn"),
        LONGROPE("longrope"),
        LLAMA3("llama3");

        private final String ropeType;

        Kind(String ropeType) {
            this.ropeType = ropeType;
        }

        /** The value of rope_type (older files: type). */
        public String ropeType() {
            return ropeType;
        }

        /** The kind for a rope_type, or null when there is no forward pass for it. */
        public static Kind of(String ropeType) {
            for (Kind kind : values()) {
                if (kind.ropeType.equals(ropeType.toLowerCase(Locale.ROOT))) {
                    return kind;
                }
            }
            return null;
        }

        /** "default, linear, ...": for messages. */
        public static String supported() {
            return String.join(", ", java.util.Arrays.stream(values()).map(Kind::ropeType).toList());
        }
    }

    Kind kind();

    /** What cos and sin are multiplied by (transformers' attention_scaling): 1 except for yarn and longrope. */
    default double attentionFactor() {
        return 1.0;
    }

    record None() implements RopeScaling {
        @Override
        public Kind kind() {
            return Kind.NONE;
        }
    }

    /** Every frequency divided by factor. */
    record Linear(double factor) implements RopeScaling {
        public Linear {
            requireFactor(factor);
        }

        @Override
        public Kind kind() {
            return Kind.LINEAR;
        }
    }

    /**
     * Dynamic NTK: beyond max_position_embeddings, theta grows with the sequence a call covers; within it, the
     * frequencies are the default ones.
     */
    record Dynamic(double factor) implements RopeScaling {
        public Dynamic {
            requireFactor(factor);
        }

        @Override
        public Kind kind() {
            return Kind.DYNAMIC;
        }
    }

    /**
     * YaRN: frequencies blended between interpolated (divided by factor) and extrapolated ones by a linear ramp over
     * the dimensions between the correction range of betaFast and betaSlow rotations.
     *
     * @param attentionFactor attention_factor, or as transformers infers it from factor, mscale and mscale_all_dim
     * @param truncate        whether the correction range is rounded outwards to whole dimensions (default true)
     */
    record Yarn(double factor, int originalMaxPositions, double betaFast, double betaSlow, double attentionFactor,
                boolean truncate) implements RopeScaling {
        public Yarn {
            requireFactor(factor);
            requireOriginal(originalMaxPositions);
            if (!(betaFast > 0) || !(betaSlow > 0) || Double.isInfinite(betaFast) || Double.isInfinite(betaSlow)) {
                throw new IllegalArgumentException("rope_parameters of type yarn need positive beta_fast and "
                        + "beta_slow, found " + betaFast + " and " + betaSlow);
            }
            requireAttentionFactor(attentionFactor);
        }

        @Override
        public Kind kind() {
            return Kind.YARN;
        }
    }

    /**
     * LongRoPE (Phi-3): each frequency divided by its own factor, short_factor for calls covering at most
     * original_max_position_embeddings positions, long_factor beyond.
     *
     * @param shortFactor     (rotary_dim / 2)
     * @param longFactor      (rotary_dim / 2)
     * @param attentionFactor attention_factor, or sqrt(1 + ln(factor) / ln(original)) as transformers infers it
     */
    record LongRope(List<Double> shortFactor, List<Double> longFactor, int originalMaxPositions,
                    double attentionFactor) implements RopeScaling {
        public LongRope {
            shortFactor = List.copyOf(shortFactor);
            longFactor = List.copyOf(longFactor);
            if (shortFactor.isEmpty() || shortFactor.size() != longFactor.size()) {
                throw new IllegalArgumentException("rope_parameters of type longrope need short_factor and "
                        + "long_factor lists of equal length, found " + shortFactor.size() + " and "
                        + longFactor.size());
            }
            for (double f : shortFactor) {
                requireFactor(f);
            }
            for (double f : longFactor) {
                requireFactor(f);
            }
            requireOriginal(originalMaxPositions);
            requireAttentionFactor(attentionFactor);
        }

        @Override
        public Kind kind() {
            return Kind.LONGROPE;
        }
    }

    /**
     * Llama 3.1: wavelengths above original/lowFreqFactor divided by factor, below original/highFreqFactor kept,
     * blended between.
     */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions)
            implements RopeScaling {
        public Llama3 {
            requireFactor(factor);
            if (!(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) || Double.isInfinite(highFreqFactor)) {
                throw new IllegalArgumentException("rope_parameters of type llama3 need 0 < low_freq_factor < "
                        + "high_freq_factor, found low_freq_factor=" + lowFreqFactor + ", high_freq_factor="
                        + highFreqFactor);
            }
            requireOriginal(originalMaxPositions);
        }

        @Override
        public Kind kind() {
            return Kind.LLAMA3;
        }
    }

    static RopeScaling linear(double factor) {
        return new Linear(factor);
    }

    static RopeScaling llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
        return new Llama3(factor, lowFreqFactor, highFreqFactor, originalMaxPositions);
    }

    private static void requireFactor(double factor) {
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("rope_parameters.factor must be a positive number, found " + factor);
        }
    }

    private static void requireOriginal(int originalMaxPositions) {
        if (originalMaxPositions <= 0) {
            throw new IllegalArgumentException("rope_parameters.original_max_position_embeddings must be positive, "
                    + "found " + originalMaxPositions);
        }
    }

    private static void requireAttentionFactor(double attentionFactor) {
        if (!(attentionFactor > 0) || Double.isInfinite(attentionFactor)) {
            throw new IllegalArgumentException("rope_parameters.attention_factor must be a positive number, found "
                    + attentionFactor);
        }
    }
}
