package io.neuronatlas.checkpoint;

import io.neuronatlas.checkpoint.safetensors.TensorInfo;
import io.neuronatlas.checkpoint.safetensors.WeightFiles;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.compute.projection.LmHead.HeadRows;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A Hugging Face model folder, opened from its headers only: config.json, the safetensors headers and, on demand,
 * tokenizer.json. Opening validates that config and tensors agree, so a bad folder fails before anything is
 * computed or written.
 */
public final class Checkpoint implements Closeable {
    public static final String CONFIG = "config.json";
    public static final String TOKENIZER = "tokenizer.json";

    private final Path dir;
    private final ModelConfig config;
    private final Architecture architecture;
    private final WeightFiles weights;
    private final String lmHeadTensor;

    private Checkpoint(Path dir, ModelConfig config, Architecture architecture, WeightFiles weights, String lmHead) {
        this.dir = dir;
        this.config = config;
        this.architecture = architecture;
        this.weights = weights;
        this.lmHeadTensor = lmHead;
    }

    public static Checkpoint open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir + ": not a model folder (no such directory)");
        }
        Path configFile = dir.resolve(CONFIG);
        if (!Files.isRegularFile(configFile)) {
            throw new CheckpointException(configFile + ": not found; a model folder needs config.json");
        }
        ModelConfig config = ModelConfig.read(configFile);
        Architecture architecture;
        try {
            architecture = Architecture.forModelType(config.modelType());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(configFile + ": " + e.getMessage(), e);
        }
        WeightFiles weights = WeightFiles.open(dir);
        try {
            String lmHead = resolveLmHead(config, architecture, weights);
            Checkpoint checkpoint = new Checkpoint(dir, config, architecture, weights, lmHead);
            checkpoint.validateShapes();
            return checkpoint;
        } catch (IOException | RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    private static String resolveLmHead(ModelConfig config, Architecture arch, WeightFiles weights) {
        if (!config.tieWordEmbeddings() && weights.find(arch.lmHead()).isPresent()) {
            return arch.lmHead();
        }
        return arch.embedTokens();
    }

    private void validateShapes() throws IOException {
        int d = config.dModel();
        int m = config.dMlp();
        expectShape(lmHeadTensor, new long[] {config.vocab(), d},
                "vocab_size=" + config.vocab() + ", hidden_size=" + d);
        for (int layer = 0; layer < config.layers(); layer++) {
            for (MlpMatrix matrix : MlpMatrix.values()) {
                long[] expected = matrix.neuronIsRow() ? new long[] {m, d} : new long[] {d, m};
                expectShape(architecture.mlpWeight(matrix, layer), expected,
                        "hidden_size=" + d + ", intermediate_size=" + m);
            }
        }
        String extraLayer = architecture.mlpWeight(MlpMatrix.UP, config.layers());
        if (weights.find(extraLayer).isPresent()) {
            throw new CheckpointException(weights.fileOf(extraLayer).path() + ": tensor '" + extraLayer
                    + "' exists but config.json says num_hidden_layers=" + config.layers());
        }
        Optional<TensorInfo> norm = weights.find(architecture.finalNorm());
        if (norm.isPresent()) {
            expectShape(architecture.finalNorm(), new long[] {d}, "hidden_size=" + d);
        }
    }

    /**
     * Checks that a tensor exists with the shape config.json implies and a float dtype; the error names the file,
     * the tensor, both shapes and the config fields behind the expectation ({@code because}).
     */
    public void requireShape(String tensor, long[] expected, String because) throws IOException {
        expectShape(tensor, expected, because);
    }

    private void expectShape(String tensor, long[] expected, String because) throws IOException {
        TensorInfo info = weights.find(tensor).orElseThrow(() -> new CheckpointException(
                dir + ": tensor '" + tensor + "' is missing from the safetensors files " + weights.files()));
        if (!Arrays.equals(info.shape(), expected)) {
            throw new CheckpointException(weights.fileOf(tensor).path() + ": tensor '" + tensor + "' has shape "
                    + Arrays.toString(info.shape()) + " but config.json (" + because + ") needs "
                    + Arrays.toString(expected));
        }
        if (!info.dtype().isFloatWeight()) {
            throw new CheckpointException(weights.fileOf(tensor).path() + ": tensor '" + tensor + "' has dtype "
                    + info.dtype() + "; weights must be BF16, F16 or F32");
        }
    }

    public Path dir() {
        return dir;
    }

    public ModelConfig config() {
        return config;
    }

    public Architecture architecture() {
        return architecture;
    }

    public WeightFiles weights() {
        return weights;
    }

    /** lm_head.weight, or the input embedding when the head is tied or absent. */
    public String lmHeadTensor() {
        return lmHeadTensor;
    }

    /**
     * Names, sizes and modification times of the files a map reads. Executors compare it with the driver's, so a
     * folder rewritten during a run fails the run instead of mixing two checkpoints in one map, and a JVM that
     * cached an earlier version of the folder opens it afresh.
     */
    public String stamp() throws IOException {
        StringBuilder stamp = new StringBuilder();
        List<Path> files = new ArrayList<>(weights.files());
        files.add(dir.resolve(CONFIG));
        files.add(dir.resolve(TOKENIZER));
        files.sort(null);
        for (Path file : files) {
            if (Files.exists(file)) {
                stamp.append(file.getFileName()).append(':').append(Files.size(file)).append(':')
                        .append(Files.getLastModifiedTime(file).toMillis()).append(';');
            }
        }
        return stamp.toString();
    }

    /** The token strings of every LM head row, read from tokenizer.json. */
    public TokenTable tokens() throws IOException {
        Path file = dir.resolve(TOKENIZER);
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file + ": not found; neuron-atlas names tokens from the model's "
                    + "tokenizer.json (the Hugging Face fast-tokenizer file)");
        }
        return TokenTable.load(file, config.vocab());
    }

    /**
     * Reads neurons [first, first + count) of one matrix into dst as [count, d_model] rows, whatever the stored
     * orientation: down_proj's columns come back transposed.
     */
    public void readNeurons(MlpMatrix matrix, int layer, int first, int count, float[] dst) throws IOException {
        String name = architecture.mlpWeight(matrix, layer);
        if (matrix.neuronIsRow()) {
            weights.fileOf(name).readRows(name, first, count, dst, 0);
        } else {
            weights.fileOf(name).readColumns(name, first, count, dst, 0);
        }
    }

    /**
     * The LM head's rows as the projection reads them. With foldNorm each column is scaled by the final RMSNorm
     * weight, as TransformerLens's fold_ln does, so scores match what the model's last layer would emit.
     */
    public HeadRows lmHeadRows(boolean foldNorm) throws IOException {
        String head = lmHeadTensor;
        if (!foldNorm) {
            return (firstRow, rowCount, dst) -> weights.fileOf(head).readRows(head, firstRow, rowCount, dst, 0);
        }
        String normName = architecture.finalNorm();
        if (weights.find(normName).isEmpty()) {
            throw new CheckpointException(dir + ": --fold-norm needs tensor '" + normName + "', which is missing");
        }
        float[] norm = weights.fileOf(normName).readVector(normName); // (d_model)
        int d = config.dModel();
        return (firstRow, rowCount, dst) -> {
            weights.fileOf(head).readRows(head, firstRow, rowCount, dst, 0);
            for (int r = 0; r < rowCount; r++) {
                int base = r * d;
                for (int j = 0; j < d; j++) {
                    dst[base + j] *= norm[j];
                }
            }
        };
    }

    @Override
    public void close() throws IOException {
        weights.close();
    }
}
