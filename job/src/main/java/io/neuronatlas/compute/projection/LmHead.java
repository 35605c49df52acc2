package io.neuronatlas.compute.projection;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.neuronatlas.checkpoint.HeadRows;
import io.neuronatlas.compute.device.Engines;
import java.io.IOException;
import java.util.Objects;

/**
 * The model's LM head U, a float32 [vocab, d_model] matrix resident on one DJL device.
 *
 * <p>Immutable once loaded and safe to share between threads: every {@link Projector} and
 * {@link BaselineKernel} only reads it and puts its own temporaries in its own sub-manager.
 */
public final class LmHead implements AutoCloseable {


    /** Rows copied per step while loading; the real head has 128256 rows of 4096 floats (16 MiB a chunk here). */
    static final int DEFAULT_CHUNK_ROWS = 1024;

    private final NDManager manager;
    private final NDArray matrix;
    // Built once so that per-batch products never create views in this shared manager.
    private final NDArray transposed;
    private final NDArray bias; // (vocab), or null
    private final RowGeometry rows;
    private final NDArray inverseRowNorms; // (vocab): 1/‖U[t]‖, 0 for a zero row
    private final double softcap;
    private final int vocab;
    private final int dModel;

    private LmHead(NDManager manager, NDArray matrix, NDArray bias, RowGeometry rows, double softcap, int vocab,
                   int dModel) {
        this.manager = manager;
        this.matrix = matrix;
        this.transposed = matrix.transpose(1, 0);
        this.bias = bias;
        this.rows = rows;
        this.inverseRowNorms = manager.create(rows.inverseNorms());
        this.softcap = softcap;
        this.vocab = vocab;
        this.dModel = dModel;
    }

    /**
     * What the census moments need of the head's rows, computed once while it loads: the inverse row norms, and
     * the mean row and mean unit row, so that the mean of a neuron's scores and of its cosines are a dot product
     * of d_model terms instead of a pass over the vocabulary.
     *
     * @param inverseNorms (vocab) 1/‖U[t]‖, 0 for a zero row (whose cosine is taken as 0)
     * @param meanRow      (d_model) Σ_t U[t] / vocab
     * @param meanUnitRow  (d_model) Σ_t U[t]/‖U[t]‖ / vocab
     * @param meanBias     Σ_t b[t] / vocab, 0 without a bias
     * @param bias         (vocab) the per-token bias, or null
     */
    record RowGeometry(float[] inverseNorms, double[] meanRow, double[] meanUnitRow, double meanBias, float[] bias) {
    }

    /** Accumulates {@link RowGeometry} chunk by chunk, in double. */
    private static final class RowSums {
        final float[] inverseNorms;
        final double[] sum;
        final double[] unitSum;

        RowSums(int vocab, int dModel) {
            inverseNorms = new float[vocab];
            sum = new double[dModel];
            unitSum = new double[dModel];
        }

        void add(float[] chunk, int first, int count) {
            int d = sum.length;
            for (int r = 0; r < count; r++) {
                double sq = 0;
                for (int j = r * d; j < (r + 1) * d; j++) {
                    sq += (double) chunk[j] * chunk[j];
                }
                double inverse = sq > 0 ? 1 / Math.sqrt(sq) : 0;
                inverseNorms[first + r] = (float) inverse;
                for (int j = 0; j < d; j++) {
                    double u = chunk[r * d + j];
                    sum[j] += u;
                    unitSum[j] += u * inverse;
                }
            }
        }

        RowGeometry geometry(float[] bias) {
            int vocab = inverseNorms.length;
            double[] mean = new double[sum.length];
            double[] unitMean = new double[sum.length];
            for (int j = 0; j < sum.length; j++) {
                mean[j] = sum[j] / vocab;
                unitMean[j] = unitSum[j] / vocab;
            }
            double meanBias = 0;
            if (bias != null) {
                for (float b : bias) {
                    meanBias += b;
                }
                meanBias /= vocab;
            }
            return new RowGeometry(inverseNorms, mean, unitMean, meanBias, bias);
        }
    }

    /** Loads the head with the PyTorch engine onto {@code device}, in chunks of {@value #DEFAULT_CHUNK_ROWS} rows. */
    public static LmHead load(Device device, int vocab, int dModel, HeadRows rows) throws IOException {
        return load(device, vocab, dModel, rows, Logits.RAW, DEFAULT_CHUNK_ROWS);
    }

    /** As {@link #load(Device, int, int, HeadRows)}, with what the model does to the scores besides the product. */
    public static LmHead load(Device device, int vocab, int dModel, HeadRows rows, Logits logits) throws IOException {
        return load(device, vocab, dModel, rows, logits, DEFAULT_CHUNK_ROWS);
    }

    /** As {@link #load(Device, int, int, HeadRows)} with an explicit chunk size. */
    public static LmHead load(Device device, int vocab, int dModel, HeadRows rows, int chunkRows) throws IOException {
        return load(device, vocab, dModel, rows, Logits.RAW, chunkRows);
    }

    /**
     * As {@link #load(Device, int, int, HeadRows, Logits)} with an explicit chunk size. Peak memory is the head
     * plus about two chunks: the Java array and one reused direct buffer (which the chunk tensor aliases
     * on CPU; on a GPU the chunk tensor is a third copy, in device memory).
     */
    public static LmHead load(Device device, int vocab, int dModel, HeadRows rows, Logits logits, int chunkRows)
            throws IOException {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(rows, "rows");
        if (logits.bias() != null && logits.bias().length != vocab) {
            throw new IllegalArgumentException("logit bias of " + logits.bias().length + " tokens for a head of "
                    + vocab);
        }
        if (vocab < 1 || dModel < 1) {
            throw new IllegalArgumentException("vocab and dModel must be positive: " + vocab + ", " + dModel);
        }
        if (chunkRows < 1) {
            throw new IllegalArgumentException("chunkRows must be positive: " + chunkRows);
        }
        // A chunk must fit one Java array and one direct buffer (int-indexed bytes).
        int step = Math.max(1, Math.min(chunkRows, Integer.MAX_VALUE / Float.BYTES / dModel));
        NDManager manager = Engines.pytorch().newBaseManager(device);
        try {
            NDArray matrix = manager.create(new Shape(vocab, dModel), DataType.FLOAT32);
            float[] buf = new float[Math.min(step, vocab) * dModel];
            // One staging buffer for all chunks: DJL would otherwise allocate a fresh direct buffer per
            // chunk that only the GC frees.
            DirectStaging staging = new DirectStaging();
            RowSums sums = new RowSums(vocab, dModel);
            for (int first = 0; first < vocab; first += step) {
                int n = Math.min(step, vocab - first);
                rows.read(first, n, buf);
                sums.add(buf, first, n);
                // On CPU the chunk tensor aliases the staging buffer, so it must be closed (by its
                // sub-manager) before the buffer is refilled.
                try (NDManager chunkManager = manager.newSubManager()) {
                    NDArray chunk = staging.upload(chunkManager, buf, n, dModel);
                    matrix.set(new NDIndex().addSliceDim(first, first + n), chunk);
                }
            }
            NDArray bias = logits.bias() == null ? null : manager.create(logits.bias());
            return new LmHead(manager, matrix, bias, sums.geometry(logits.bias()), logits.softcap(), vocab, dModel);
        } catch (IOException | RuntimeException | Error e) {
            manager.close();
            throw e;
        }
    }

    public int vocab() {
        return vocab;
    }

    public int dModel() {
        return dModel;
    }

    public Device device() {
        return manager.getDevice();
    }

    /** Size of the resident matrix in bytes. */
    public long bytes() {
        return (long) vocab * dModel * Float.BYTES;
    }

    /** The [vocab, d_model] matrix; read-only by contract. */
    NDArray matrix() {
        return matrix;
    }

    /** Parent of every per-user sub-manager, so closing the head also frees anything still using it. */
    NDManager manager() {
        return manager;
    }

    /** A manager for a caller's temporaries, a child of the head's, so closing the head frees them too. */
    public NDManager newSubManager() {
        return manager.newSubManager();
    }

    /** The scores x·Uᵀ (+ the per-token bias) of x [n, d_model]: [n, vocab], in x's manager. */
    public NDArray scores(NDArray x) {
        NDArray scores = x.matMul(transposed);
        return bias == null ? scores : scores.addi(bias);
    }

    /** The head's row geometry for the census moments. */
    RowGeometry rows() {
        return rows;
    }

    /**
     * (s − b)/‖U[t]‖ of a block of scores: each token's cosine with the neuron up to the neuron's norm, which the
     * census's skew and kurtosis do not depend on. A new array in the scores' manager.
     */
    NDArray unitScores(NDArray scores) {
        if (bias == null) {
            return scores.mul(inverseRowNorms);
        }
        NDArray unbiased = scores.sub(bias);
        return unbiased.muli(inverseRowNorms);
    }

    /** The softcap c of the model's logits c·tanh(s/c), or 0 for none ({@link Logits}). */
    public double softcap() {
        return softcap;
    }

    /** Whether scores include a per-token bias. */
    public boolean biased() {
        return bias != null;
    }

    @Override
    public void close() {
        manager.close();
    }
}
