package io.neuronatlas.compute.projection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Objects;

/**
 * Projects batches of neuron vectors through an {@link LmHead} into vocabulary space.
 *
 * <p>Per batch it does one matrix product S = X·Uᵀ (plus the head's per-token bias, if any) on the head's device,
 * reduces S there (top-k per polarity, statistics, log-sum-exp, top-100 mean) and copies back only the small results.
 * Scores and their statistics are S; the softmax and what derives from it (prob, normalized prob, logsumexp, entropy)
 * use the model's logits, which are S unless the head softcaps them ({@link Logits}). Ties are
 * ranked by token id ascending, which torch's topk does not promise, so the device fetches a margin of
 * extra candidates that the host re-sorts; a neuron whose k-th value ties with the last candidate is
 * redone exactly on the host from its full score row.
 *
 * <p>One Projector is not thread-safe; give each thread its own. Any number of Projectors may share one
 * head: each keeps its temporaries in its own sub-manager, freed at the end of every call.
 */
public final class Projector implements AutoCloseable {
    /** The paper's normalisation averages the top-100 probabilities. */
    static final int TOP_MEAN = 100;
    /** Extra candidates beyond max(k, 100) so that only long tie runs need the host fallback. */
    static final int FETCH_MARGIN = 28;

    private static final int[] ROWS = {1};
    /**
     * Rows reduced at a time. A block's temporaries (32 × vocab floats, 16 MB for Llama-3) stay under glibc's
     * mmap threshold, so the allocator reuses them instead of faulting in fresh pages for every batch; on the
     * CPU that halves the cost of the element-wise passes.
     */
    static final int ROW_BLOCK = 32;
    /**
     * Widest score range for which the '−' log-sum-exp is taken as −max + log Σ e^(max−s), which saves shifting
     * the scores a second time: beyond it e^(max−s) could overflow float32, and the row is summed on the host.
     */
    static final double SHARED_SHIFT_RANGE = 60;

    private final LmHead head;
    /** The head's softcap, 0 for none. */
    private final double softcap;
    private final int topK;
    private final int fetch;
    private final int topMean;
    private final NDManager manager;
    private final DirectStaging staging = new DirectStaging();
    private final long[] keys;
    private final int[] watched;
    private final boolean census;
    /** Whether the census sums run on the host ({@link CensusPass}) rather than as tensor ops on the head's device. */
    private final boolean hostCensus;
    private long tieFallbacks;

    /** @param topK tokens to rank per neuron and polarity, 1 ≤ topK ≤ vocab */
    public Projector(LmHead head, int topK) {
        this(head, topK, new int[0]);
    }

    /**
     * @param watched token ids whose score, prob and normalized prob every neuron reports, ranked or not
     *     (map --watch: a token's profile over all neurons)
     */
    public Projector(LmHead head, int topK, int[] watched) {
        this(head, topK, watched, true);
    }

    /**
     * @param census whether to compute the census moments ({@link BatchResult.Census}); false only to measure what
     *     they cost (bench), which leaves them 0
     */
    public Projector(LmHead head, int topK, int[] watched, boolean census) {
        // On the CPU the scores are host memory already and one fused host loop beats a dozen tensor passes; from
        // a GPU, copying every score row back would cost more than the device's passes.
        this(head, topK, watched, census, !Objects.requireNonNull(head, "head").device().isGpu());
    }

    /** As {@link #Projector(LmHead, int, int[], boolean)}, choosing where the census sums run (tests run both). */
    Projector(LmHead head, int topK, int[] watched, boolean census, boolean hostCensus) {
        this.census = census;
        this.hostCensus = hostCensus;
        this.head = Objects.requireNonNull(head, "head");
        this.softcap = head.softcap();
        int vocab = head.vocab();
        if (topK < 1 || topK > vocab) {
            throw new IllegalArgumentException("topK must be in [1, " + vocab + "]: " + topK);
        }
        for (int id : watched) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("watched token id " + id + " outside [0, " + vocab + ")");
            }
        }
        this.watched = watched.clone();
        this.topK = topK;
        this.topMean = Math.min(TOP_MEAN, vocab);
        this.fetch = (int) Math.min(vocab, (long) Math.max(topK, TOP_MEAN) + FETCH_MARGIN);
        this.keys = new long[fetch];
        this.manager = head.manager().newSubManager();
    }

    public int topK() {
        return topK;
    }

    public LmHead head() {
        return head;
    }

    /** How many (neuron, polarity) rankings needed the exact host-side fallback so far. */
    public long tieFallbacks() {
        return tieFallbacks;
    }

    /** Holds only per-call sub-managers while a call runs; empty between calls. */
    NDManager manager() {
        return manager;
    }

    /**
     * Projects {@code count} neuron vectors.
     *
     * @param vectors {@code count × d_model} floats, row-major (extra trailing elements are ignored);
     *     assumed finite
     */
    public BatchResult project(float[] vectors, int count) {
        Objects.requireNonNull(vectors, "vectors");
        int d = head.dModel();
        if (count < 0 || (long) count * d > vectors.length) {
            throw new IllegalArgumentException(
                    "need " + count + " x " + d + " floats, got " + vectors.length);
        }
        BatchResult result = new BatchResult(count, BatchResult.Rankings.allocate(count, topK),
                BatchResult.Statistics.allocate(count), BatchResult.Normalizers.allocate(count),
                BatchResult.Watched.allocate(count, watched), BatchResult.Census.allocate(count));
        if (count == 0) {
            return result;
        }
        Output out = new Output(result);
        LmHead.RowGeometry geometry = head.rows();
        float[] scoreMeans = new float[count];
        float[] cosMeans = new float[count]; // of s/‖U[t]‖, the cosines times the neuron's norm
        for (int n = 0; n < count; n++) {
            double sq = 0;
            double mean = geometry.meanBias();
            double cosMean = 0;
            for (int j = n * d, c = 0; j < (n + 1) * d; j++, c++) {
                double x = vectors[j];
                sq += x * x;
                mean += x * geometry.meanRow()[c];
                cosMean += x * geometry.meanUnitRow()[c];
            }
            out.statistics.norms()[n] = (float) Math.sqrt(sq);
            scoreMeans[n] = (float) mean;
            cosMeans[n] = (float) cosMean;
        }
        try (NDManager batch = manager.newSubManager()) {
            NDArray s = head.scores(staging.upload(batch, vectors, count, d)); // (count, vocab)
            // Before the blocks: their passes overwrite s in place.
            for (int c = 0; c < watched.length; c++) {
                float[] column = s.get(new NDIndex(":, " + watched[c])).toFloatArray(); // (count)
                for (int n = 0; n < count; n++) {
                    out.watched.scores()[n * watched.length + c] = column[n];
                }
            }
            Block block = new Block();
            for (int first = 0; first < count; first += ROW_BLOCK) {
                int rows = Math.min(ROW_BLOCK, count - first);
                NDArray sb = s.get(new NDIndex(first + ":" + (first + rows)));
                if (census && hostCensus) {
                    hostShapes(sb, rows, first, scoreMeans, cosMeans, geometry, out.census);
                } else if (census) {
                    // Before the softmax passes, which overwrite the block in place.
                    shapes(sb, rows, first, scoreMeans, cosMeans, out.census);
                }
                block.reduce(sb, rows);
                for (int i = 0; i < rows; i++) {
                    summarize(block, i, first + i, out);
                }
            }
        }
        return result;
    }

    /** The arrays of a result being filled in. */
    private record Output(BatchResult.Rankings rankings, BatchResult.Statistics statistics,
                          BatchResult.Normalizers normalizers, BatchResult.Watched watched,
                          BatchResult.Census census, int[] rankIds, float[] rankPs) {
        Output(BatchResult r) {
            this(r.rankings(), r.statistics(), r.normalizers(), r.watchedTokens(), r.census(), new int[r.topK()],
                    new float[r.topK()]);
        }
    }

    /**
     * The census moments of a block of score rows: the scores', and the cosines' (s/‖U[t]‖, scaled by the neuron's
     * norm, which skew and kurtosis ignore), each shifted by its mean from the head's mean rows ({@link ShiftedSums}).
     */
    private void shapes(NDArray sb, int rows, int first, float[] scoreMeans, float[] cosMeans,
                        BatchResult.Census census) {
        float[] shift = Arrays.copyOfRange(scoreMeans, first, first + rows);
        try (NDArray centered = sb.sub(sb.getManager().create(shift, new Shape(rows, 1)))) {
            moments(centered, rows, first, census.scoreSkew(), census.scoreKurtosis());
        }
        shift = Arrays.copyOfRange(cosMeans, first, first + rows);
        try (NDArray centered = head.unitScores(sb)) {
            centered.subi(sb.getManager().create(shift, new Shape(rows, 1)));
            moments(centered, rows, first, census.vocabCosSkew(), census.vocabCosKurtosis());
        }
    }

    /** As {@link #shapes}, copying the block to the host and summing each row in one pass ({@link CensusPass}). */
    private void hostShapes(NDArray sb, int rows, int first, float[] scoreMeans, float[] cosMeans,
                            LmHead.RowGeometry geometry, BatchResult.Census census) {
        int vocab = head.vocab();
        float[] block = sb.toFloatArray(); // (rows, vocab)
        double[] sums = new double[8];
        for (int i = 0; i < rows; i++) {
            int n = first + i;
            CensusPass.sums(block, i * vocab, geometry, scoreMeans[n], cosMeans[n], sums);
            double[] central = ShiftedSums.centralMoments(vocab, sums[0], sums[1], sums[2], sums[3]);
            census.scoreSkew()[n] = (float) ShiftedSums.skew(central);
            census.scoreKurtosis()[n] = (float) ShiftedSums.kurtosis(central);
            central = ShiftedSums.centralMoments(vocab, sums[4], sums[5], sums[6], sums[7]);
            census.vocabCosSkew()[n] = (float) ShiftedSums.skew(central);
            census.vocabCosKurtosis()[n] = (float) ShiftedSums.kurtosis(central);
        }
    }

    /** Skew and kurtosis of each row of d (rows, vocab), values already shifted near their mean. */
    private void moments(NDArray d, int rows, int first, float[] skews, float[] kurtoses) {
        int vocab = head.vocab();
        try (NDArray square = d.square();
             NDArray s1 = d.sum(ROWS, false);
             NDArray s2 = square.sum(ROWS, false);
             NDArray s3 = square.reshape(rows, 1, vocab).matMul(d.reshape(rows, vocab, 1));
             NDArray s4 = square.norm(ROWS, false)) {
            float[] sum = s1.toFloatArray();
            float[] sumSquares = s2.toFloatArray();
            float[] sumCubes = s3.toFloatArray();
            float[] rootSumFourth = s4.toFloatArray();
            for (int i = 0; i < rows; i++) {
                double fourth = (double) rootSumFourth[i] * rootSumFourth[i];
                double[] central = ShiftedSums.centralMoments(vocab, sum[i], sumSquares[i], sumCubes[i], fourth);
                skews[first + i] = (float) ShiftedSums.skew(central);
                kurtoses[first + i] = (float) ShiftedSums.kurtosis(central);
            }
        }
    }

    /** Neuron n's statistics and, per polarity, its ranking and normalizers, from row i of a reduced block. */
    private void summarize(Block block, int i, int n, Output out) {
        double max = block.candidates[0][i * fetch];
        double min = block.candidates[1][i * fetch];
        double v = head.vocab();
        double mean = block.sum[i] / v;
        out.statistics.max()[n] = (float) max;
        out.statistics.min()[n] = (float) min;
        out.statistics.mean()[n] = (float) mean;
        double meanSquare = (double) block.l2[i] * block.l2[i] / v;
        out.statistics.std()[n] = (float) Math.sqrt(Math.max(0, meanSquare - mean * mean));
        double logSum = Math.log(block.sumExp[i]);
        out.statistics.entropy()[n] = (float) (logSum - block.sumExpZ[i] / block.sumExp[i]);
        // The device summed logits shifted by the largest one, logit(max).
        double[] lse = {logit(max) + logSum, block.raw[i] != null ? lseNegative(block.raw[i], min)
                : -logit(max) + Math.log(block.sumInvExp[i])};
        for (int p = 0; p < 2; p++) {
            rankPolarity(block, i, n, p, p == 0 ? max : -min, lse[p], out);
        }
    }

    /**
     * One polarity of neuron n: its top-k with probabilities from the log-sum-exp, and normalized probabilities
     * relative to the mean of its top-100 probabilities; the watched tokens' values for '+'. Probabilities come from
     * logits, which are the scores unless the model softcaps them; the softcap is odd, so logit(p·s) = p·logit(s), and
     * monotonic, so it keeps the ranking.
     *
     * @param top the largest p·s
     */
    private void rankPolarity(Block block, int i, int n, int p, double top, double lse, Output out) {
        rank(block, i, p, out.rankIds, out.rankPs);
        double topLogit = logit(top);
        double meanShifted = 0; // mean of e^(logit_i − topLogit) over the top probabilities
        for (int c = 0; c < topMean; c++) {
            meanShifted += Math.exp(logit(polar(block.candidates[p][i * fetch + c], p)) - topLogit);
        }
        meanShifted /= topMean;
        out.normalizers.logsumexps()[n * 2 + p] = (float) lse;
        out.normalizers.topMeanProbs()[n * 2 + p] = (float) (Math.exp(topLogit - lse) * meanShifted);
        int at = (n * 2 + p) * topK;
        for (int r = 0; r < topK; r++) {
            float ps = out.rankPs[r];
            double logit = logit(ps);
            out.rankings.tokenIds()[at + r] = out.rankIds[r];
            out.rankings.scores()[at + r] = polar(ps, p);
            out.rankings.probs()[at + r] = (float) Math.exp(logit - lse);
            // prob / mean(top probs) = e^(logit − topLogit) / mean(e^(logit_i − topLogit)), free of lse.
            out.rankings.normalizedProbs()[at + r] = (float) (Math.exp(logit - topLogit) / meanShifted);
        }
        int w = watched.length;
        for (int c = 0; p == 0 && c < w; c++) {
            double ws = logit(out.watched.scores()[n * w + c]);
            out.watched.probs()[n * w + c] = (float) Math.exp(ws - lse);
            out.watched.normalizedProbs()[n * w + c] = (float) (Math.exp(ws - topLogit) / meanShifted);
        }
    }

    /** The model's logit for a score: c·tanh(s/c) when its head softcaps, else s itself. */
    private double logit(double score) {
        return softcap > 0 ? softcap * Math.tanh(score / softcap) : score;
    }

    /** p·s with −0 folded into +0, so that equal scores compare and sort as equal. */
    private static float polar(float s, int p) {
        return (p == 0 ? s : -s) + 0.0f;
    }

    /** A long whose ascending order is (ps descending, id ascending). */
    private static long key(float ps, int id) {
        int bits = Float.floatToRawIntBits(ps);
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff); // signed-int order == float order
        return ((long) ~ordered << 32) | id;
    }

    private static float keyValue(long key) {
        int ordered = ~(int) (key >> 32);
        return Float.intBitsToFloat(ordered ^ ((ordered >> 31) & 0x7fffffff));
    }

    /**
     * The device reductions of one block of score rows, brought back as small host arrays: both polarities'
     * candidates, Σs, ‖s‖, Σe^z, Σe^z·z and Σe^(−z) with z = s − max (exp is cheap;
     * allocation is not, so the passes reuse the block's own storage). Rows whose ranking needs the exact
     * fallback, or whose '−' log-sum-exp cannot use the reciprocal, are copied to the host first, because the
     * passes after that overwrite the scores in place to avoid allocating.
     */
    private final class Block {
        final float[][] candidates = new float[2][]; // [polarity][row·fetch], sorted by p·s descending
        final int[][] candidateIds = new int[2][];
        final float[][] raw = new float[ROW_BLOCK][];
        float[] sum;
        float[] l2;
        float[] sumExp;
        float[] sumExpZ;
        float[] sumInvExp;

        void reduce(NDArray sb, int rows) {
            NDList pos = sb.topK(fetch, 1, true, true);
            NDList neg = sb.topK(fetch, 1, false, true);
            candidates[0] = pos.get(0).toFloatArray();
            candidates[1] = neg.get(0).toFloatArray();
            candidateIds[0] = pos.get(1).toType(DataType.INT32, false).toIntArray();
            candidateIds[1] = neg.get(1).toType(DataType.INT32, false).toIntArray();
            sum = sb.sum(ROWS, false).toFloatArray();
            l2 = sb.norm(ROWS, false).toFloatArray();
            for (int i = 0; i < rows; i++) {
                boolean exact = candidates[0][i * fetch] - candidates[1][i * fetch] > SHARED_SHIFT_RANGE
                        || needsExactRanking(i, 0) || needsExactRanking(i, 1);
                raw[i] = exact ? sb.get(i).toFloatArray() : null;
            }
            NDArray max = pos.get(0).get(new NDIndex(":, 0:1"));
            NDArray z = sb;
            if (softcap > 0) {
                // The softmax's passes run on the logits c·tanh(s/c); everything above used the scores.
                z = capped(sb);
                max = capped(max);
            }
            z.subi(max); // z = logit − max logit
            try (NDArray e = z.exp()) {
                sumExp = e.sum(ROWS, false).toFloatArray();
                z.negi(); // −z
                try (NDArray inverse = z.exp()) {
                    sumInvExp = inverse.sum(ROWS, false).toFloatArray();
                }
                e.muli(z);
                sumExpZ = e.sum(ROWS, false).toFloatArray();
                for (int i = 0; i < rows; i++) {
                    sumExpZ[i] = -sumExpZ[i];
                }
            }
        }

        /** c·tanh(a/c), a new array in a's manager. */
        private NDArray capped(NDArray a) {
            try (NDArray scaled = a.div(softcap)) {
                return scaled.tanh().muli(softcap);
            }
        }

        /** Whether tokens tied with the k-th candidate may lie beyond the fetched ones, in any id order. */
        private boolean needsExactRanking(int row, int p) {
            if (fetch >= head.vocab()) {
                return false;
            }
            sortCandidates(row, p);
            return keyValue(keys[topK - 1]) == keyValue(keys[fetch - 1]);
        }

        void sortCandidates(int row, int p) {
            int base = row * fetch;
            for (int c = 0; c < fetch; c++) {
                keys[c] = key(polar(candidates[p][base + c], p), candidateIds[p][base + c]);
            }
            Arrays.sort(keys, 0, fetch);
        }
    }

    /** The top-k of one row and polarity by (p·s desc, id asc). */
    private void rank(Block block, int row, int p, int[] rankIds, float[] rankPs) {
        block.sortCandidates(row, p);
        float kth = keyValue(keys[topK - 1]);
        if (block.raw[row] != null && fetch < head.vocab() && kth == keyValue(keys[fetch - 1])) {
            exactSelect(block.raw[row], p, kth, rankIds, rankPs);
            tieFallbacks++;
            return;
        }
        for (int r = 0; r < topK; r++) {
            rankIds[r] = (int) keys[r];
            rankPs[r] = keyValue(keys[r]);
        }
    }

    /** log Σ e^(−logit(s)) of a host row of scores, shifted by its smallest logit. */
    private double lseNegative(float[] row, double min) {
        double least = logit(min);
        double sum = 0;
        for (float s : row) {
            sum += Math.exp(least - logit(s));
        }
        return -least + Math.log(sum);
    }

    /**
     * Exact (p·s desc, id asc) top-k of a full score row given its k-th largest value {@code kth}: every
     * token above kth is ranked by key, then tokens equal to kth fill the rest in id order.
     */
    private static void exactSelect(float[] row, int p, float kth, int[] rankIds, float[] rankPs) {
        int k = rankIds.length;
        long[] above = new long[k];
        int c = 0;
        for (int t = 0; t < row.length; t++) {
            float ps = polar(row[t], p);
            if (ps > kth) {
                if (c == k) {
                    throw new IllegalStateException("score row disagrees with topk (non-finite scores?)");
                }
                above[c++] = key(ps, t);
            }
        }
        Arrays.sort(above, 0, c);
        for (int r = 0; r < c; r++) {
            rankIds[r] = (int) above[r];
            rankPs[r] = keyValue(above[r]);
        }
        for (int t = 0; t < row.length && c < k; t++) {
            if (polar(row[t], p) == kth) {
                rankIds[c] = t;
                rankPs[c++] = kth;
            }
        }
        if (c != k) {
            throw new IllegalStateException("score row disagrees with topk (non-finite scores?)");
        }
    }

    /** Frees this projector's native memory; the head stays loaded. */
    @Override
    public void close() {
        manager.close();
    }
}
