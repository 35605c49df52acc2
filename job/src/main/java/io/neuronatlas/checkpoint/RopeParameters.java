package io.neuronatlas.checkpoint;

import java.io.Serializable;

/**
 * A model's rotary embedding settings, read from config.json as either transformers version writes them:
 * transformers 5's {@code rope_parameters} object (rope_type, rope_theta, partial_rotary_factor and the type's
 * parameters; for Gemma 3 one such object per layer type), or transformers 4's {@code rope_scaling} object (rope_type
 * or type) beside top-level {@code rope_theta} and {@code partial_rotary_factor} (GPT-NeoX: {@code rotary_emb_base},
 * {@code rotary_pct}; Gemma 3's local layers: {@code rope_local_base_freq}). Defaults and precedence follow
 * transformers' RotaryEmbeddingConfigMixin: a top-level original_max_position_embeddings (Phi-3) wins over the one in
 * the rope object, which defaults to max_position_embeddings.
 *
 * @param theta               rope_theta
 * @param partialRotaryFactor the fraction of head_dim that rotates (1 for all of it)
 * @param scaling             the rope type and its parameters
 */
public record RopeParameters(double theta, double partialRotaryFactor, RopeScaling scaling) implements Serializable {
    public static final double DEFAULT_THETA = 10000.0;

    public RopeParameters {
        if (!(theta > 0) || Double.isInfinite(theta)) {
            throw new IllegalArgumentException("rope_theta must be a positive number, found " + theta);
        }
        if (!(partialRotaryFactor > 0 && partialRotaryFactor <= 1)) {
            throw new IllegalArgumentException("partial_rotary_factor must be in (0, 1], found "
                    + partialRotaryFactor);
        }
        if (scaling == null) {
            throw new IllegalArgumentException("rope parameters need a scaling (RopeScaling.NONE for none)");
        }
    }

    /** The model's one rope (not Gemma 3's, which has one per layer type: {@link #read(ConfigFile, String)}). */
    public static RopeParameters read(ConfigFile config) throws CheckpointException {
        return read(config, null);
    }

    /**
     * The rope of a layer type ("sliding_attention", "full_attention") where transformers 5 nests rope_parameters by
     * layer type; null for a model with one rope.
     *
     * @throws CheckpointException naming the field and value of a rope type this version does not implement, or of
     *     a missing or malformed parameter
     */
    public static RopeParameters read(ConfigFile config, String layerType) throws CheckpointException {
        return read(config, layerType, DEFAULT_THETA);
    }

    /**
     * {@link #read(ConfigFile, String)} for a family whose config class has its own default_theta (Mixtral 1e6,
     * Gemma 3's global layers 1e6): the base when the file names none.
     */
    public static RopeParameters read(ConfigFile config, String layerType, double defaultTheta)
            throws CheckpointException {
        if (config.isObject("rope_parameters")) {
            ConfigFile rope = config.section("rope_parameters", "");
            if (rope.isObject("full_attention") || rope.isObject("sliding_attention")) {
                if (layerType == null) {
                    throw new CheckpointException(config.path() + ": '" + config.name("rope_parameters")
                            + "' is nested by layer type; this model's forward pass reads one rope");
                }
                rope = rope.section(layerType, "rope_parameters is nested by layer type and this layer type has "
                        + "none");
            }
            double legacy = legacyTheta(config, layerType, defaultTheta);
            double theta = rope.number("rope_theta", legacy, legacy);
            double partial = rope.number("partial_rotary_factor", legacyPartial(config), legacyPartial(config));
            return new RopeParameters(theta, partial, scaling(config, rope, layerType != null));
        }
        double theta = legacyTheta(config, layerType, defaultTheta);
        double partial = legacyPartial(config);
        boolean local = "sliding_attention".equals(layerType);
        if (local || !config.has("rope_scaling")) {
            // Gemma 3's local layers: their own base, never scaled
            return new RopeParameters(theta, partial, RopeScaling.NONE);
        }
        ConfigFile rope = config.section("rope_scaling", "rope_scaling must be an object or null");
        return new RopeParameters(theta, partial, scaling(config, rope, layerType != null));
    }

    /** transformers 4's base: rope_theta (GPT-NeoX: rotary_emb_base; Gemma 3's local layers: rope_local_base_freq). */
    private static double legacyTheta(ConfigFile config, String layerType, double defaultTheta)
            throws CheckpointException {
        if ("sliding_attention".equals(layerType) && config.has("rope_local_base_freq")) {
            return config.number("rope_local_base_freq");
        }
        String field = config.spelling("rope_theta", "rotary_emb_base");
        return config.number(field, defaultTheta, defaultTheta);
    }

    private static double legacyPartial(ConfigFile config) throws CheckpointException {
        String field = config.spelling("partial_rotary_factor", "rotary_pct");
        return config.number(field, 1.0, 1.0);
    }

    private static RopeScaling scaling(ConfigFile config, ConfigFile rope, boolean nested) throws CheckpointException {
        String typeField = rope.spelling("rope_type", "type");
        String type = rope.text(typeField, "default");
        if ("phi3".equals(config.modelType()) && (type.equals("su") || type.equals("yarn"))) {
            type = "longrope"; // Phi3Config's backward compatibility: su and yarn were its names for longrope
        }
        RopeScaling.Kind kind = RopeScaling.Kind.of(type);
        if (kind == null) {
            throw new CheckpointException(config.path() + ": '" + rope.name(typeField) + "' is '" + type
                    + "': this version implements the rope types " + RopeScaling.Kind.supported());
        }
        int maxPositions = config.integer(config.spelling("max_position_embeddings", "n_positions"), 0);
        try {
            return switch (kind) {
                case NONE -> RopeScaling.NONE;
                case LINEAR -> new RopeScaling.Linear(rope.number("factor"));
                case DYNAMIC -> new RopeScaling.Dynamic(rope.number("factor"));
                case LLAMA3 -> new RopeScaling.Llama3(rope.number("factor"), rope.number("low_freq_factor"),
                        rope.number("high_freq_factor"), original(config, rope, nested, maxPositions));
                case YARN -> yarn(config, rope, nested, maxPositions);
                case LONGROPE -> longRope(config, rope, nested, maxPositions);
            };
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(config.path() + ": " + rope.name(typeField) + " '" + type + "': "
                    + e.getMessage(), e);
        }
    }

    /** _compute_yarn_parameters' defaults: factor from the context ratio, beta_fast 32, beta_slow 1, truncate. */
    private static RopeScaling yarn(ConfigFile config, ConfigFile rope, boolean nested, int maxPositions)
            throws CheckpointException {
        int original = original(config, rope, nested, maxPositions);
        double factor = rope.number("factor", (double) maxPositions / original, (double) maxPositions / original);
        double mscale = rope.number("mscale", 0, 0);
        double mscaleAllDim = rope.number("mscale_all_dim", 0, 0);
        double attention;
        if (rope.has("attention_factor")) {
            attention = rope.number("attention_factor");
        } else if (mscale != 0 && mscaleAllDim != 0) {
            attention = yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim);
        } else {
            attention = yarnMscale(factor, 1);
        }
        // transformers reads beta_fast "or 32": 0 and null take the default too
        double betaFast = rope.number("beta_fast", 0, 0);
        double betaSlow = rope.number("beta_slow", 0, 0);
        return new RopeScaling.Yarn(factor, original, betaFast == 0 ? 32 : betaFast, betaSlow == 0 ? 1 : betaSlow,
                attention, rope.bool("truncate", true));
    }

    private static double yarnMscale(double scale, double mscale) {
        return scale <= 1 ? 1.0 : 0.1 * mscale * Math.log(scale) + 1.0;
    }

    /** _compute_longrope_parameters: factor from the context ratio when absent, attention from factor. */
    private static RopeScaling longRope(ConfigFile config, ConfigFile rope, boolean nested, int maxPositions)
            throws CheckpointException {
        int original = original(config, rope, nested, maxPositions);
        double factor = rope.number("factor", (double) maxPositions / original, (double) maxPositions / original);
        double attention;
        if (rope.has("attention_factor")) {
            attention = rope.number("attention_factor");
        } else {
            attention = factor <= 1 ? 1.0 : Math.sqrt(1 + Math.log(factor) / Math.log(original));
        }
        return new RopeScaling.LongRope(rope.numbers("short_factor"), rope.numbers("long_factor"), original,
                attention);
    }

    /** standardize_rope_params: a top-level value first (Phi-3 keeps it there), then the rope's, then the context. */
    private static int original(ConfigFile config, ConfigFile rope, boolean nested, int maxPositions)
            throws CheckpointException {
        String field = "original_max_position_embeddings";
        if (!nested && config.has(field)) {
            return config.integer(field);
        }
        int original = rope.integer(field, maxPositions);
        if (original <= 0) {
            throw new CheckpointException(config.path() + ": '" + rope.name(field) + "' is missing and so is "
                    + "max_position_embeddings");
        }
        return original;
    }

    /** The number of head dimensions that rotate: int(head_dim · partial_rotary_factor), as transformers rounds. */
    public int rotaryDim(int headDim) {
        return (int) (headDim * partialRotaryFactor);
    }

    /**
     * @return this
     * @throws IllegalArgumentException when the rotating dimensions are odd or none, or longrope's factor lists do
     *     not have one factor per rotating pair
     */
    public RopeParameters requireFits(int headDim) {
        int dim = rotaryDim(headDim);
        if (dim <= 0 || dim % 2 != 0) {
            throw new IllegalArgumentException("head_dim " + headDim + " × partial_rotary_factor "
                    + partialRotaryFactor + " rotates " + dim + " dimensions; rotary embeddings rotate pairs");
        }
        if (scaling instanceof RopeScaling.LongRope longRope && longRope.shortFactor().size() != dim / 2) {
            throw new IllegalArgumentException("longrope's short_factor and long_factor have "
                    + longRope.shortFactor().size() + " factors; head_dim " + headDim + " × partial_rotary_factor "
                    + partialRotaryFactor + " rotates " + dim + " dimensions, which need " + dim / 2);
        }
        return this;
    }
}
