package io.neuronatlas.jobs;

import io.neuronatlas.compute.forward.ClampSweep;
import java.util.List;
import java.util.Optional;

/**
 * What a clamp did: the neuron's curve, its tokens as text, and where it was published.
 *
 * @param target        the target token as text
 * @param targetId      the target token's id
 * @param note          which other ids render the same text, when some do (else empty)
 * @param promptTokens  the prompt's length in tokens
 * @param top1Tokens    the top-1 next token of each point of the sweep, as text, in the sweep's order
 * @param baselineTop1  the unclamped model's top-1 next token, as text
 * @param device        the device it ran on, as the run record shows it
 * @param published     the clamp_sweeps run, when an atlas was given
 */
public record ClampOutcome(ClampSweep sweep, String target, int targetId, String note, List<String> top1Tokens,
                           String baselineTop1, String device, Optional<ForwardWrite.Published> published) {
    public ClampOutcome {
        top1Tokens = List.copyOf(top1Tokens);
    }
}
