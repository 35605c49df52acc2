package io.neuronatlas.compute.projection;

import java.io.Serializable;

/**
 * Vocabulary projection of one batch of neurons: per neuron and polarity the top-k tokens with raw scores,
 * softmax probabilities and normalised probabilities, plus per-neuron score statistics.
 *
 * <p>Plain data in flat primitive arrays so it serialises cheaply (e.g. Spark shuffles). Polarity 0 is '+'
 * (ranking by s), polarity 1 is '−' (ranking by −s). Ranks are 0-based. Instances are never mutated
 * after construction; the accessors do not copy.
 */
public final class BatchResult implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Polarity index of '+': tokens ranked by the raw score s. */
    public static final int POSITIVE = 0;
    /** Polarity index of '−': tokens ranked by −s. */
    public static final int NEGATIVE = 1;

    private final int count;
    private final int topK;
    // [count][2][topK], flattened as ((n * 2 + p) * topK + r)
    private final int[] tokenIds;
    private final float[] scores;
    private final float[] probs;
    private final float[] normalizedProbs;
    // [count]
    private final float[] norms;
    private final float[] maxScores;
    private final float[] minScores;
    private final float[] meanScores;
    private final float[] stdScores;
    private final float[] entropies;
    // [count][2], flattened as (n * 2 + p)
    private final float[] logsumexps;
    private final float[] topMeanProbs;
    // [count][watched], flattened as (n * watched + w): the '+' polarity values of each watched token
    private final int watched;
    private final int[] watchedTokens; // [watched]
    private final float[] watchedScores;
    private final float[] watchedProbs;
    private final float[] watchedNormalizedProbs;

    /**
     * Public for code that makes results without a model (the query benchmark's synthetic atlas); the projector
     * is the only producer in a map. Arrays are taken as they are, laid out as the fields' comments say.
     */
    public BatchResult(int count, int topK, int[] tokenIds, float[] scores, float[] probs, float[] normalizedProbs,
            float[] norms, float[] maxScores, float[] minScores, float[] meanScores, float[] stdScores,
            float[] entropies, float[] logsumexps, float[] topMeanProbs, int[] watchedTokens, float[] watchedScores,
            float[] watchedProbs, float[] watchedNormalizedProbs) {
        int watched = watchedTokens.length;
        if (tokenIds.length != count * 2 * topK || watchedScores.length != count * watched) {
            throw new IllegalArgumentException("arrays do not match " + count + " neurons, top-" + topK + ", "
                    + watched + " watched tokens");
        }
        this.watched = watched;
        this.watchedTokens = watchedTokens;
        this.watchedScores = watchedScores;
        this.watchedProbs = watchedProbs;
        this.watchedNormalizedProbs = watchedNormalizedProbs;
        this.count = count;
        this.topK = topK;
        this.tokenIds = tokenIds;
        this.scores = scores;
        this.probs = probs;
        this.normalizedProbs = normalizedProbs;
        this.norms = norms;
        this.maxScores = maxScores;
        this.minScores = minScores;
        this.meanScores = meanScores;
        this.stdScores = stdScores;
        this.entropies = entropies;
        this.logsumexps = logsumexps;
        this.topMeanProbs = topMeanProbs;
    }

    /** Number of neurons in the batch. */
    public int count() {
        return count;
    }

    /** Number of ranked tokens per neuron and polarity. */
    public int topK() {
        return topK;
    }

    private int at(int n, int p, int r) {
        return (n * 2 + p) * topK + r;
    }

    /** Token id at rank r (0-based) of neuron n, polarity p (0 '+', 1 '−'). */
    public int tokenId(int n, int p, int r) {
        return tokenIds[at(n, p, r)];
    }

    /** The raw, signed score s_t = v · U[t] (not multiplied by the polarity). */
    public float score(int n, int p, int r) {
        return scores[at(n, p, r)];
    }

    /** softmax(p · s)_t over the whole vocabulary. */
    public float prob(int n, int p, int r) {
        return probs[at(n, p, r)];
    }

    /** prob divided by the mean of the min(100, vocab) largest probabilities of softmax(p · s). */
    public float normalizedProb(int n, int p, int r) {
        return normalizedProbs[at(n, p, r)];
    }

    /** L2 norm of the neuron vector. */
    public float norm(int n) {
        return norms[n];
    }

    public float maxScore(int n) {
        return maxScores[n];
    }

    public float minScore(int n) {
        return minScores[n];
    }

    public float meanScore(int n) {
        return meanScores[n];
    }

    /** Population standard deviation of the scores over the vocabulary. */
    public float stdScore(int n) {
        return stdScores[n];
    }

    public float maxAbsScore(int n) {
        return Math.max(Math.abs(maxScores[n]), Math.abs(minScores[n]));
    }

    /** logsumexp(s) over the vocabulary (polarity '+'). */
    public float logsumexp(int n) {
        return logsumexps[n * 2];
    }

    /** logsumexp(p · s) over the vocabulary. */
    public float logsumexp(int n, int p) {
        return logsumexps[n * 2 + p];
    }

    /** Entropy of softmax(s), natural log (polarity '+'). */
    public float entropy(int n) {
        return entropies[n];
    }

    /** Number of watched tokens (map --watch) whose values every neuron carries. */
    public int watched() {
        return watched;
    }

    /** Token id of watched token w. */
    public int watchedToken(int w) {
        return watchedTokens[w];
    }

    /** Raw score of watched token w for neuron n. */
    public float watchedScore(int n, int w) {
        return watchedScores[n * watched + w];
    }

    /** softmax(s) of watched token w for neuron n, over the whole vocabulary. */
    public float watchedProb(int n, int w) {
        return watchedProbs[n * watched + w];
    }

    /** watchedProb divided by the neuron's '+' top-100 mean probability, as normalizedProb. */
    public float watchedNormalizedProb(int n, int w) {
        return watchedNormalizedProbs[n * watched + w];
    }

    /** The denominator of {@link #normalizedProb}: mean of the min(100, vocab) largest softmax(p · s) values. */
    public float topMeanProb(int n, int p) {
        return topMeanProbs[n * 2 + p];
    }
}
