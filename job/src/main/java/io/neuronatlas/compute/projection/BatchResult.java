package io.neuronatlas.compute.projection;

import java.io.Serializable;

/**
 * Vocabulary projection of one batch of neurons: per neuron and polarity the top-k tokens with raw scores,
 * softmax probabilities and normalised probabilities, plus per-neuron score statistics.
 *
 * <p>Plain data in flat primitive arrays, grouped by what they hold, so it serialises cheaply. Polarity 0 is '+'
 * (ranking by s), polarity 1 is '−' (ranking by −s). Ranks are 0-based. Instances are never mutated after
 * construction; the accessors do not copy.
 */
public final class BatchResult implements Serializable {
    private static final long serialVersionUID = 3L;

    /** Polarity index of '+': tokens ranked by the raw score s. */
    public static final int POSITIVE = 0;
    /** Polarity index of '−': tokens ranked by −s. */
    public static final int NEGATIVE = 1;

    /**
     * The ranked tokens, each array laid out (count, 2, topK) as ((n * 2 + p) * topK + r).
     *
     * @param scores          the raw, signed scores s_t = v · U[t] (not multiplied by the polarity)
     * @param probs           softmax(p · s)_t over the whole vocabulary
     * @param normalizedProbs prob divided by the mean of the min(100, vocab) largest probabilities of softmax(p · s)
     */
    public record Rankings(int topK, int[] tokenIds, float[] scores, float[] probs, float[] normalizedProbs)
            implements Serializable {
        public static Rankings allocate(int count, int topK) {
            int n = count * 2 * topK;
            return new Rankings(topK, new int[n], new float[n], new float[n], new float[n]);
        }
    }

    /**
     * Per-neuron statistics over the whole vocabulary, each array (count).
     *
     * @param norms   L2 norm of the neuron vector
     * @param std     population standard deviation of the scores
     * @param entropy entropy of softmax(s), natural log
     */
    public record Statistics(float[] norms, float[] max, float[] min, float[] mean, float[] std, float[] entropy)
            implements Serializable {
        public static Statistics allocate(int count) {
            return new Statistics(new float[count], new float[count], new float[count], new float[count],
                    new float[count], new float[count]);
        }
    }

    /**
     * The shape of each neuron's distributions over the vocabulary (Gurnee et al.'s census of prediction and
     * suppression neurons), each array (count): skew and Pearson kurtosis (a Gaussian's is 3) of the raw scores and
     * of the cosines cos(v, U[t]). A neuron whose values are all equal has skew and kurtosis 0.
     */
    public record Census(float[] scoreSkew, float[] scoreKurtosis, float[] vocabCosSkew, float[] vocabCosKurtosis)
            implements Serializable {
        public static Census allocate(int count) {
            return new Census(new float[count], new float[count], new float[count], new float[count]);
        }
    }

    /**
     * What normalises each neuron's polarity, each array (count, 2) as (n * 2 + p).
     *
     * @param logsumexps   logsumexp(p · s) over the vocabulary
     * @param topMeanProbs mean of the min(100, vocab) largest softmax(p · s) values
     */
    public record Normalizers(float[] logsumexps, float[] topMeanProbs) implements Serializable {
        public static Normalizers allocate(int count) {
            return new Normalizers(new float[count * 2], new float[count * 2]);
        }
    }

    /**
     * The '+' values of the tokens map --watch names, ranked or not, each array (count, watched) as
     * (n * watched + w).
     *
     * @param tokenIds (watched)
     */
    public record Watched(int[] tokenIds, float[] scores, float[] probs, float[] normalizedProbs)
            implements Serializable {
        public static Watched allocate(int count, int[] tokenIds) {
            int n = count * tokenIds.length;
            return new Watched(tokenIds.clone(), new float[n], new float[n], new float[n]);
        }
    }

    private final int count;
    private final Rankings rankings;
    private final Statistics statistics;
    private final Normalizers normalizers;
    private final Watched watched;
    private final Census census;

    public BatchResult(int count, Rankings rankings, Statistics statistics, Normalizers normalizers,
                       Watched watched, Census census) {
        if (rankings.tokenIds().length != count * 2 * rankings.topK() || statistics.norms().length != count
                || census.scoreSkew().length != count
                || normalizers.logsumexps().length != count * 2
                || watched.scores().length != count * watched.tokenIds().length) {
            throw new IllegalArgumentException("arrays do not match " + count + " neurons, top-" + rankings.topK()
                    + ", " + watched.tokenIds().length + " watched tokens");
        }
        this.count = count;
        this.rankings = rankings;
        this.statistics = statistics;
        this.normalizers = normalizers;
        this.watched = watched;
        this.census = census;
    }

    public Census census() {
        return census;
    }

    /** Skew of the raw scores over the vocabulary. */
    public float scoreSkew(int n) {
        return census.scoreSkew()[n];
    }

    /** Pearson kurtosis of the raw scores over the vocabulary. */
    public float scoreKurtosis(int n) {
        return census.scoreKurtosis()[n];
    }

    /** Skew of cos(v, U[t]) over the vocabulary. */
    public float vocabCosSkew(int n) {
        return census.vocabCosSkew()[n];
    }

    /** Pearson kurtosis of cos(v, U[t]) over the vocabulary. */
    public float vocabCosKurtosis(int n) {
        return census.vocabCosKurtosis()[n];
    }

    public Rankings rankings() {
        return rankings;
    }

    public Statistics statistics() {
        return statistics;
    }

    public Normalizers normalizers() {
        return normalizers;
    }

    public Watched watchedTokens() {
        return watched;
    }

    /** Number of neurons in the batch. */
    public int count() {
        return count;
    }

    /** Number of ranked tokens per neuron and polarity. */
    public int topK() {
        return rankings.topK();
    }

    private int at(int n, int p, int r) {
        return (n * 2 + p) * rankings.topK() + r;
    }

    /** Token id at rank r (0-based) of neuron n, polarity p (0 '+', 1 '−'). */
    public int tokenId(int n, int p, int r) {
        return rankings.tokenIds()[at(n, p, r)];
    }

    /** The raw, signed score s_t = v · U[t] (not multiplied by the polarity). */
    public float score(int n, int p, int r) {
        return rankings.scores()[at(n, p, r)];
    }

    /** softmax(p · s)_t over the whole vocabulary. */
    public float prob(int n, int p, int r) {
        return rankings.probs()[at(n, p, r)];
    }

    /** prob divided by the mean of the min(100, vocab) largest probabilities of softmax(p · s). */
    public float normalizedProb(int n, int p, int r) {
        return rankings.normalizedProbs()[at(n, p, r)];
    }

    /** L2 norm of the neuron vector. */
    public float norm(int n) {
        return statistics.norms()[n];
    }

    public float maxScore(int n) {
        return statistics.max()[n];
    }

    public float minScore(int n) {
        return statistics.min()[n];
    }

    public float meanScore(int n) {
        return statistics.mean()[n];
    }

    /** Population standard deviation of the scores over the vocabulary. */
    public float stdScore(int n) {
        return statistics.std()[n];
    }

    public float maxAbsScore(int n) {
        return Math.max(Math.abs(maxScore(n)), Math.abs(minScore(n)));
    }

    /** logsumexp(s) over the vocabulary (polarity '+'). */
    public float logsumexp(int n) {
        return logsumexp(n, POSITIVE);
    }

    /** logsumexp(p · s) over the vocabulary. */
    public float logsumexp(int n, int p) {
        return normalizers.logsumexps()[n * 2 + p];
    }

    /** Entropy of softmax(s), natural log (polarity '+'). */
    public float entropy(int n) {
        return statistics.entropy()[n];
    }

    /** Number of watched tokens (map --watch) whose values every neuron carries. */
    public int watched() {
        return watched.tokenIds().length;
    }

    /** Token id of watched token w. */
    public int watchedToken(int w) {
        return watched.tokenIds()[w];
    }

    /** Raw score of watched token w for neuron n. */
    public float watchedScore(int n, int w) {
        return watched.scores()[n * watched() + w];
    }

    /** softmax(s) of watched token w for neuron n, over the whole vocabulary. */
    public float watchedProb(int n, int w) {
        return watched.probs()[n * watched() + w];
    }

    /** watchedProb divided by the neuron's '+' top-100 mean probability, as normalizedProb. */
    public float watchedNormalizedProb(int n, int w) {
        return watched.normalizedProbs()[n * watched() + w];
    }

    /** The denominator of {@link #normalizedProb}: mean of the min(100, vocab) largest softmax(p · s) values. */
    public float topMeanProb(int n, int p) {
        return normalizers.topMeanProbs()[n * 2 + p];
    }
}
