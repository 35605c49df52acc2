package io.neuronatlas.checkpoint;

import io.neuronatlas.checkpoint.files.InputFile;
import io.neuronatlas.checkpoint.safetensors.SafetensorsFile;
import io.neuronatlas.checkpoint.safetensors.TensorInfo;
import io.neuronatlas.checkpoint.safetensors.WeightFiles;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

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
        Optional<String> notAFile = InputFile.notRegular(configFile);
        if (notAFile.isPresent()) {
            throw new CheckpointException(configFile + ": " + notAFile.get() + "; a model folder needs config.json");
        }
        ModelConfig config = ModelConfig.read(configFile);
        WeightFiles weights = WeightFiles.open(dir);
        try {
            Architecture architecture = Architectures.forModelType(config.modelType()).bind(config, weights);
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
        expectShape(lmHeadTensor, new long[] {config.vocab(), d}, "vocab_size=" + config.vocab() + ", hidden_size="
                + d, "the LM head");
        Set<String> checked = new HashSet<>();
        for (int layer = 0; layer < config.layers(); layer++) {
            for (MlpBlock block : config.mlpBlocks(layer)) {
                for (MlpMatrix matrix : architecture.matrices()) {
                    NeuronSource source = architecture.neurons(config, matrix, layer, block);
                    if (checked.add(source.tensor())) {
                        expectShape(source.tensor(), source.shape(), source.because(), where(layer, block));
                    }
                }
            }
        }
        List<MlpBlock> beyond = new ArrayList<>(config.mlpBlocks(config.layers()).subList(0, 1));
        if (!config.experts().denseLayers().isEmpty()) {
            beyond.add(MlpBlock.dense(config.dMlp())); // the layer after the last might be a dense one
        }
        for (MlpBlock block : beyond) {
            String extraLayer = architecture.neurons(config, MlpMatrix.UP, config.layers(), block).tensor();
            if (weights.find(extraLayer).isPresent()) {
                throw new CheckpointException(weights.fileOf(extraLayer).path() + ": tensor '" + extraLayer
                        + "' exists but config.json says num_hidden_layers=" + config.layers());
            }
        }
        checkNoExtraExpert();
        for (String norm : finalNormTensors()) {
            if (weights.find(norm).isPresent()) {
                expectShape(norm, new long[] {d}, "hidden_size=" + d, "the final norm");
            }
        }
    }

    /** An expert index config.json does not count, in a family that stores experts one tensor each. */
    private void checkNoExtraExpert() throws IOException {
        Experts experts = config.experts();
        for (int layer = 0; layer < config.layers() && experts.any(); layer++) {
            List<MlpBlock> blocks = config.mlpBlocks(layer);
            if (blocks.get(0).isDense()) {
                continue;
            }
            if (architecture.neurons(config, MlpMatrix.UP, layer, blocks.get(0)).slab() < 0) {
                MlpBlock extra = MlpBlock.routed(experts.count(), experts.width());
                NeuronSource source = architecture.neurons(config, MlpMatrix.UP, layer, extra);
                if (weights.find(source.tensor()).isPresent()) {
                    throw new CheckpointException(weights.fileOf(source.tensor()).path() + ": tensor '"
                            + source.tensor() + "' exists but config.json (" + source.because() + ") counts "
                            + experts.count() + " experts, 0-" + (experts.count() - 1));
                }
            }
            return;
        }
    }

    private static String where(int layer, MlpBlock block) {
        return "layer " + layer + (block.isDense() ? "" : ", " + block.describe());
    }

    /**
     * Checks that a tensor exists with the shape config.json implies and a float dtype; the error names the file,
     * the tensor, both shapes and the config fields behind the expectation ({@code because}).
     *
     * @param where what the tensor is, for messages ("layer 3, the attention's q_proj")
     */
    public void requireShape(String tensor, long[] expected, String because, String where) throws IOException {
        expectShape(tensor, expected, because, where);
    }

    private void expectShape(String tensor, long[] expected, String because, String where) throws IOException {
        TensorInfo info = weights.find(tensor).orElseThrow(() -> new CheckpointException(
                dir + ": tensor '" + tensor + "' (" + where + ") is missing from the safetensors files "
                        + weights.files() + "; config.json: " + because));
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
        Optional<String> notAFile = InputFile.notRegular(file);
        if (notAFile.isPresent()) {
            throw new CheckpointException(file + ": " + notAFile.get() + "; neuron-atlas names tokens from the "
                    + "model's tokenizer.json (the Hugging Face fast-tokenizer file)");
        }
        return TokenTable.load(file, config.vocab());
    }

    /** Where the neurons of one matrix of a layer's MLP (null expert) or expert are stored. */
    public NeuronSource neurons(MlpMatrix matrix, int layer, String expert) {
        if (!architecture.matrices().contains(matrix)) {
            throw new IllegalArgumentException(config.modelType() + " has no " + matrix.label() + " matrix (it has "
                    + architecture.matrices().stream().map(MlpMatrix::label).toList() + ")");
        }
        return architecture.neurons(config, matrix, layer, config.mlpBlock(layer, expert));
    }

    /** Reads neurons of a dense model's MLP; see {@link #readNeurons(MlpMatrix, int, String, int, int, float[])}. */
    public void readNeurons(MlpMatrix matrix, int layer, int first, int count, float[] dst) throws IOException {
        readNeurons(matrix, layer, null, first, count, dst);
    }

    /**
     * Reads neurons [first, first + count) of one matrix of a layer's MLP or expert into dst as [count, d_model] rows,
     * whatever the stored layout: columns come back transposed, fused halves and interleaved neurons picked out.
     */
    public void readNeurons(MlpMatrix matrix, int layer, String expert, int first, int count, float[] dst)
            throws IOException {
        NeuronSource source = neurons(matrix, layer, expert);
        if (first < 0 || count < 0 || first > source.count() - count) {
            throw new IndexOutOfBoundsException(source.tensor() + ": neurons [" + first + ", " + (first + count)
                    + ") requested of " + source.count());
        }
        if (count == 0) {
            return;
        }
        SafetensorsFile file = weights.fileOf(source.tensor());
        long start = source.position(first);
        if (source.stride() == 1) {
            read(file, source, start, count, dst);
            return;
        }
        // Interleaved neurons: read the rows or columns that cover them, keep every stride-th vector.
        int d = (int) source.dModel();
        int span = (count - 1) * source.stride() + 1;
        float[] covering = new float[Math.multiplyExact(span, d)]; // (span, d_model)
        read(file, source, start, span, covering);
        for (int i = 0; i < count; i++) {
            System.arraycopy(covering, i * source.stride() * d, dst, i * d, d);
        }
    }

    private static void read(SafetensorsFile file, NeuronSource source, long first, int count, float[] dst)
            throws IOException {
        if (source.neuronIsRow()) {
            file.readRows(source.tensor(), source.slab(), first, count, dst, 0);
        } else {
            file.readColumns(source.tensor(), source.slab(), first, count, dst, 0);
        }
    }

    /** The final norm's weight and, for a LayerNorm, its bias: the tensors --fold-norm reads. */
    private List<String> finalNormTensors() {
        List<String> names = new ArrayList<>(List.of(architecture.finalNorm()));
        if (architecture.finalNormBias() != null) {
            names.add(architecture.finalNormBias());
        }
        return names;
    }

    /** Fails unless the tensors --fold-norm folds are present. */
    public void requireFinalNorm() throws CheckpointException {
        for (String name : finalNormTensors()) {
            if (weights.find(name).isEmpty()) {
                throw new CheckpointException(dir + ": --fold-norm needs tensor '" + name + "', which is missing");
            }
        }
    }

    /**
     * The LM head's rows as the projection reads them. With foldNorm each column j is scaled as the final norm scales
     * dimension j ({@link NormKind#scale}: w, or Gemma's 1 + w), as TransformerLens's fold_ln does, so scores match
     * what the model's last layer would emit; a LayerNorm's bias is {@link #lmHeadBias}.
     */
    public HeadRows lmHeadRows(boolean foldNorm) throws IOException {
        String head = lmHeadTensor;
        if (!foldNorm) {
            return (firstRow, rowCount, dst) -> weights.fileOf(head).readRows(head, firstRow, rowCount, dst, 0);
        }
        requireFinalNorm();
        float[] weight = weights.readVector(architecture.finalNorm()); // (d_model)
        int d = config.dModel();
        float[] scale = new float[d];
        for (int j = 0; j < d; j++) {
            scale[j] = architecture.norm().scale(weight[j]);
        }
        return (firstRow, rowCount, dst) -> {
            weights.fileOf(head).readRows(head, firstRow, rowCount, dst, 0);
            for (int r = 0; r < rowCount; r++) {
                int base = r * d;
                for (int j = 0; j < d; j++) {
                    dst[base + j] *= scale[j];
                }
            }
        };
    }

    /**
     * What a folded LayerNorm's bias b adds to every score of token t, U[t]·b (the raw head's row), or null when
     * nothing is added: without foldNorm, or for a norm without a bias.
     */
    public float[] lmHeadBias(boolean foldNorm) throws IOException {
        if (!foldNorm || architecture.finalNormBias() == null) {
            return null;
        }
        requireFinalNorm();
        float[] b = weights.readVector(architecture.finalNormBias()); // (d_model)
        int d = config.dModel();
        int vocab = config.vocab();
        float[] bias = new float[vocab]; // (vocab)
        int chunk = Math.max(1, Math.min(vocab, (1 << 22) / d));
        float[] rows = new float[chunk * d]; // (chunk, d_model)
        for (int first = 0; first < vocab; first += chunk) {
            int n = Math.min(chunk, vocab - first);
            weights.readRows(lmHeadTensor, first, n, rows, 0);
            for (int r = 0; r < n; r++) {
                double dot = 0;
                for (int j = 0; j < d; j++) {
                    dot += (double) rows[r * d + j] * b[j];
                }
                bias[first + r] = (float) dot;
            }
        }
        return bias;
    }

    /** Every tensor the map reads, once, by name: MLP matrices of every layer and expert, head, final norm. */
    public List<TensorInfo> tensorsTheMapReads() throws IOException {
        Set<String> names = new TreeSet<>();
        for (int layer = 0; layer < config.layers(); layer++) {
            for (MlpBlock block : config.mlpBlocks(layer)) {
                for (MlpMatrix matrix : architecture.matrices()) {
                    names.add(architecture.neurons(config, matrix, layer, block).tensor());
                }
            }
        }
        names.add(lmHeadTensor);
        for (String norm : finalNormTensors()) {
            if (weights.find(norm).isPresent()) {
                names.add(norm);
            }
        }
        List<TensorInfo> tensors = new ArrayList<>();
        for (String name : names) {
            tensors.add(weights.require(name));
        }
        return tensors;
    }

    @Override
    public void close() throws IOException {
        weights.close();
    }
}
