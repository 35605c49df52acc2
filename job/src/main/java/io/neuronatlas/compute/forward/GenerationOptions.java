package io.neuronatlas.compute.forward;

import java.io.Serializable;

/**
 * How to generate.
 *
 * @param samples     continuations per prompt, decoded together as one batch
 * @param maxTokens   new tokens at most per sample
 * @param temperature 0 decodes greedily (argmax); otherwise logits are divided by it before sampling
 * @param topP        nucleus sampling: draw from the most likely tokens whose probabilities first reach topP
 *                    (1 = the whole vocabulary)
 * @param seed        the same seed gives the same tokens: sampling uses Java's SplittableRandom, not the engine
 */
public record GenerationOptions(int samples, int maxTokens, double temperature, double topP, long seed)
        implements Serializable {
    public GenerationOptions {
        if (samples < 1) {
            throw new IllegalArgumentException("--samples must be at least 1, found " + samples);
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("--max-tokens must be at least 1, found " + maxTokens);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("--temperature must be 0 (greedy) or positive, found " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("--top-p must be in (0, 1], found " + topP);
        }
    }

    public boolean greedy() {
        return temperature == 0;
    }
}
