package io.neuronatlas.jobs;

import io.neuronatlas.compute.forward.Clamps;
import io.neuronatlas.compute.forward.Generation;
import java.util.List;
import java.util.Optional;

/**
 * What a generate did: the baseline's and the steered model's samples, decoded, and where they were published.
 *
 * @param promptTokens the prompt's length in tokens
 * @param steered      empty when no neuron was clamped
 * @param device       the device it ran on, as the run record shows it
 * @param published    the generations run, when an atlas was given
 */
public record GenerateOutcome(int promptTokens, Clamps clamps, List<Sample> baseline, List<Sample> steered,
                              String device, Optional<ForwardWrite.Published> published) {
    public GenerateOutcome {
        baseline = List.copyOf(baseline);
        steered = List.copyOf(steered);
    }

    /** One continuation and its text (the new tokens decoded, special tokens skipped). */
    public record Sample(Generation generation, String text) {
        public boolean endedAtEos() {
            return generation.endedAtEos();
        }
    }
}
