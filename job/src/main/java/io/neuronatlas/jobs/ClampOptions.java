package io.neuronatlas.jobs;

import io.neuronatlas.compute.forward.ClampScope;
import io.neuronatlas.compute.forward.ValueRange;
import java.util.Objects;

/**
 * What clamp was asked: one neuron held at each of the values while the model reads the prompt, a target token's
 * probability followed. Each default is written once, here.
 *
 * @param neuron the neuron as the atlas prints it: L25.1442 or L25.up.1442 (checked against the model's config)
 * @param target the token whose probability to follow, with its leading space: " dog"
 * @param atlas  the atlas the curve is published in (clamp_sweeps); null writes nothing
 */
public record ClampOptions(DecoderOptions model, String prompt, boolean chat, String neuron, String target,
                           ValueRange values, ClampScope scope, String atlas) {
    public ClampOptions {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(prompt, "--prompt");
        Objects.requireNonNull(neuron, "--neuron");
        Objects.requireNonNull(target, "--target");
        Objects.requireNonNull(values, "--values");
        Objects.requireNonNull(scope, "--scope");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from every default; the command line and Java callers fill it in. */
    public static final class Builder extends DecoderOptions.SweepBuilder<Builder> {
        private String prompt;
        private String neuron;
        private String target;

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

        public Builder neuron(String v) {
            neuron = v;
            return this;
        }

        public Builder target(String v) {
            target = v;
            return this;
        }

        public ClampOptions build() {
            return new ClampOptions(model(), prompt, chat, neuron, target, values, scope, atlas);
        }
    }
}
