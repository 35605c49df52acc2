package io.neuronatlas.compute.forward;

import java.io.Serializable;

/**
 * One sampled continuation.
 *
 * @param sample     its index among the samples of one call
 * @param tokens     the new token ids, the EOS that ended it included
 * @param endedAtEos whether it stopped at one of config.json's eos_token_id values (else at the token limit)
 * @param clamps     the steering it was generated with
 */
public record Generation(int sample, int[] tokens, boolean endedAtEos, Clamps clamps) implements Serializable {
    public Generation {
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }
}
