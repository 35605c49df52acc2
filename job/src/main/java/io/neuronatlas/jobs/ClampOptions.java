package io.neuronatlas.jobs;

import io.neuronatlas.compute.forward.ClampScope;
import io.neuronatlas.compute.forward.ValueRange;
import java.util.Objects;

/**
 * What clamp was asked: one neuron held at each of the values while the model reads the prompt, a target token's
 * probability followed. Each default is written once, here.
 *
 * @param neuron the neuron as the atlas prints it: L25.1442 or L25.up.1442 (checked against the model's config)
 * @param target   the token whose probability to follow, with its leading space: " dog" (resolved to the id the
 *                 model emits for it); null when targetId is given
 * @param targetId the token id to follow, for exactness where several ids render the same text; null when target is
 *                 given
 * @param atlas  the atlas the curve is published in (clamp_sweeps); null writes nothing
 */
public record ClampOptions(DecoderOptions model, String prompt, boolean chat, String neuron, String target,
                           Integer targetId, ValueRange values, ClampScope scope, String atlas) {
    public ClampOptions {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(prompt, "--prompt");
        Objects.requireNonNull(neuron, "--neuron");
        if ((target == null) == (targetId == null)) {
            throw new IllegalArgumentException("give either --target TOKEN or --target-id N");
        }
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
        private Integer targetId;

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

        public Builder targetId(Integer v) {
            targetId = v;
            return this;
        }

        public ClampOptions build() {
            return new ClampOptions(model(), prompt, chat, neuron, target, targetId, values, scope, atlas);
        }
    }
}
