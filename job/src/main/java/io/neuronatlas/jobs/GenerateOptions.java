package io.neuronatlas.jobs;

import io.neuronatlas.compute.forward.ClampScope;
import io.neuronatlas.compute.forward.GenerationOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What generate was asked: continuations of a prompt by the model as it is and with neurons clamped. Each default
 * is written once, here; the sampling settings are checked by {@link GenerationOptions}.
 *
 * @param clamps     NEURON=VALUE each, e.g. L25.1442=145 (checked against the model's config); none generates the
 *                   baseline alone
 * @param generation samples, new tokens, temperature, top-p and seed
 * @param atlas      the atlas the generations are published in (generations); null writes nothing
 */
public record GenerateOptions(DecoderOptions model, String prompt, boolean chat, List<String> clamps,
                              ClampScope scope, GenerationOptions generation, String atlas) {
    public static final int DEFAULT_SAMPLES = 8;
    public static final int DEFAULT_MAX_TOKENS = 64;
    public static final double DEFAULT_TEMPERATURE = 0.7;
    public static final double DEFAULT_TOP_P = 0.9;
    public static final long DEFAULT_SEED = 1;

    public GenerateOptions {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(prompt, "--prompt");
        Objects.requireNonNull(scope, "--scope");
        Objects.requireNonNull(generation, "generation");
        clamps = List.copyOf(clamps);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from every default; the command line and Java callers fill it in. */
    public static final class Builder extends DecoderOptions.Builder<Builder> {
        private String prompt;
        private final List<String> clamps = new ArrayList<>();
        private int samples = DEFAULT_SAMPLES;
        private int maxTokens = DEFAULT_MAX_TOKENS;
        private double temperature = DEFAULT_TEMPERATURE;
        private double topP = DEFAULT_TOP_P;
        private long seed = DEFAULT_SEED;

        private Builder() {
        }

        @Override
        Builder self() {
            return this;
        }

        public Builder prompt(String v) {
            prompt = v;
            return this;
        }

        /** Holds a neuron at a value while generating: "L25.1442=145"; call again for more. */
        public Builder clamp(String v) {
            clamps.add(v);
            return this;
        }

        public Builder samples(int v) {
            samples = v;
            return this;
        }

        public Builder maxTokens(int v) {
            maxTokens = v;
            return this;
        }

        public Builder temperature(double v) {
            temperature = v;
            return this;
        }

        public Builder topP(double v) {
            topP = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /** A seed as --seed takes it. */
        public Builder seed(String text) {
            try {
                return seed(Long.parseLong(text.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--seed must be a whole number, found '" + text + "'", e);
            }
        }

        public GenerateOptions build() {
            return new GenerateOptions(model(), prompt, chat, clamps, scope,
                    new GenerationOptions(samples, maxTokens, temperature, topP, seed), atlas);
        }
    }
}
