package io.neuronatlas.compute.forward;

import java.io.Serializable;

/**
 * How the model predicts the token after a prompt, seen from one target token.
 *
 * @param targetProb  softmax probability of the target, float32 softmax over the whole vocabulary
 * @param targetLogit the target's logit
 * @param targetRank  1 + the number of tokens with a strictly higher logit (1: the target is the top token)
 * @param top1Id      the most likely token (the lowest id among equal logits)
 * @param top1Prob    its probability
 */
public record NextTokenStats(double targetProb, double targetLogit, int targetRank, int top1Id, double top1Prob)
        implements Serializable {
}
