package io.neuronatlas.compute.forward;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.CheckpointException;
import io.neuronatlas.checkpoint.DecoderBlock;
import io.neuronatlas.checkpoint.DecoderLayout;
import io.neuronatlas.checkpoint.ForwardConfig;
import io.neuronatlas.checkpoint.LayerTensors;
import io.neuronatlas.checkpoint.MixtureTensors;
import io.neuronatlas.checkpoint.MlpBlock;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.ModelConfig;
import io.neuronatlas.checkpoint.NeuronSource;
import io.neuronatlas.checkpoint.NormKind;
import io.neuronatlas.checkpoint.TensorSlice;
import io.neuronatlas.compute.device.Engines;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A decoder's weights resident on one DJL device in the roles the one {@link DecoderStack} reads, whatever names and
 * fused layouts the family stores them in, ready for {@link ForwardPass}, {@link ClampSweeper}, {@link Generator} and
 * {@link ActivationCapture}.
 *
 * <p>Memory: every weight once, at the chosen precision (FP32: 4 bytes a parameter, so Llama-3.2-1B takes 4.9 GB and
 * Llama-3.1-8B 32 GB; FP16 half that), a tied head shared with the embedding, transposes as views, parts of fused
 * tensors copied out and the fused tensor freed; see {@link #residentBytes()}. Loading adds one 16 MiB chunk twice on
 * the host. Everything lives in one NDManager that {@link #close()} frees; callers put their temporaries in
 * {@link #newSubManager()}, which closing the model frees too.
 *
 * <p>Immutable once loaded and safe to share between threads: passes only read the weights.
 */
public final class DecoderModel implements AutoCloseable {
    private final ForwardConfig config;
    private final Precision precision;
    private final NDManager manager;
    private final NDArray embedding; // (vocab, d_model)
    private final NDArray positions; // (max_positions, d_model) learned positions, or null
    private final NDArray head; // (d_model, vocab), a view
    private final LayerWeights.Norm finalNorm; // (d_model)
    private final List<LayerWeights> layers;
    private final long residentBytes;

    private DecoderModel(ForwardConfig config, Precision precision, NDManager manager, NDArray embedding,
                         NDArray positions, NDArray head, LayerWeights.Norm finalNorm, List<LayerWeights> layers,
                         long residentBytes) {
        this.config = config;
        this.precision = precision;
        this.manager = manager;
        this.embedding = embedding;
        this.positions = positions;
        this.head = head;
        this.finalNorm = finalNorm;
        this.layers = Collections.unmodifiableList(layers);
        this.residentBytes = residentBytes;
    }

    /**
     * Loads a model folder. config.json is read first, so a model_type without a forward pass fails with "no
     * forward pass yet for model_type X (supported: ...)" before any weight is touched.
     *
     * @throws CheckpointException naming config.json's field or the file and tensor at fault
     * @throws IllegalArgumentException for FP16 on a CPU
     */
    public static DecoderModel load(Path modelDir, Device device, Precision precision) throws IOException {
        ForwardConfig config = ForwardConfig.read(modelDir.resolve(Checkpoint.CONFIG));
        try (Checkpoint checkpoint = Checkpoint.open(modelDir)) {
            return load(checkpoint, config, device, precision);
        }
    }

    /** Loads from an open checkpoint whose config.json gave {@code config}. */
    public static DecoderModel load(Checkpoint checkpoint, ForwardConfig config, Device device, Precision precision)
            throws IOException {
        precision.checkDevice(device);
        return upload(checkpoint, config, device, precision);
    }

    /** No device rule: tests run FP16 on the CPU to check the half-precision path where no GPU exists. */
    static DecoderModel upload(Checkpoint checkpoint, ForwardConfig config, Device device, Precision precision)
            throws IOException {
        // The names as this checkpoint spells them (GPT-2's prefix, multimodal Gemma-3's text model).
        DecoderLayout layout = checkpoint.architecture().decoder(config.layout().modelType())
                .orElseThrow(() -> new CheckpointException(checkpoint.dir() + ": no forward pass for model_type '"
                        + config.layout().modelType() + "'"));
        Loader loader = new Loader(checkpoint, config, layout);
        loader.validateShapes();
        NDManager manager = Engines.pytorch().newBaseManager(device);
        try {
            WeightUpload upload = new WeightUpload(checkpoint, manager, precision);
            ModelConfig m = config.model();
            String embedName = checkpoint.architecture().embedTokens();
            NDArray embedding = upload.matrix(embedName, m.vocab(), m.dModel());
            NDArray headRows = checkpoint.lmHeadTensor().equals(embedName) ? embedding
                    : upload.matrix(checkpoint.lmHeadTensor(), m.vocab(), m.dModel());
            NDArray positions = layout.positionEmbedding() == null ? null
                    : upload.matrix(layout.positionEmbedding(), config.maxPositions(), m.dModel());
            LayerWeights.Norm finalNorm = loader.norm(upload, new LayerTensors.Norm(
                    checkpoint.architecture().finalNorm(), checkpoint.architecture().finalNormBias()), m.dModel());
            List<LayerWeights> layers = new ArrayList<>();
            for (int l = 0; l < m.layers(); l++) {
                layers.add(loader.layer(upload, l));
            }
            return new DecoderModel(config, precision, manager, embedding, positions, headRows.transpose(),
                    finalNorm, layers, upload.bytes());
        } catch (IOException | RuntimeException | Error e) {
            manager.close();
            throw e;
        }
    }

    /** Reads one family's layer tensors into the stack's roles. */
    private record Loader(Checkpoint checkpoint, ForwardConfig config, DecoderLayout layout) {

        LayerWeights layer(WeightUpload upload, int l) throws IOException {
            LayerTensors t = layout.tensors(config, l);
            MixtureTensors mixture = layout.mixture(config, l);
            int d = config.model().dModel();
            Map<String, NDArray> stored = new HashMap<>(); // fused tensors, freed once their parts are copied out
            try {
                LayerWeights w = new LayerWeights(norm(upload, t.attnIn(), d), norm(upload, t.attnOut(), d),
                        norm(upload, t.mlpIn(), d), norm(upload, t.mlpOut(), d),
                        norm(upload, t.qNorm() == null ? null : LayerTensors.Norm.rms(t.qNorm()), qkNormWidth(true)),
                        norm(upload, t.kNorm() == null ? null : LayerTensors.Norm.rms(t.kNorm()), qkNormWidth(false)),
                        projection(upload, stored, t.q()), projection(upload, stored, t.k()),
                        projection(upload, stored, t.v()), projection(upload, stored, t.o()),
                        bias(upload, stored, t.qBias()), bias(upload, stored, t.kBias()),
                        bias(upload, stored, t.vBias()), bias(upload, stored, t.oBias()),
                        mixture == null ? mlp(upload, stored, MlpMatrix.GATE, l, null) : null,
                        mixture == null ? mlp(upload, stored, MlpMatrix.UP, l, null) : null,
                        mixture == null ? mlp(upload, stored, MlpMatrix.DOWN, l, null) : null,
                        t.upBias() == null ? null : upload.vector(t.upBias(), config.model().dMlp()),
                        t.downBias() == null ? null : upload.vector(t.downBias(), d),
                        mixture == null ? null : mixture(upload, stored, mixture, l),
                        t.sinks() == null ? null : upload.float32Vector(t.sinks(), config.heads(), 0)
                                .reshape(config.kvHeads(), config.queriesPerKvHead(), 1, 1));
                return w;
            } finally {
                stored.values().forEach(NDArray::close);
            }
        }

        /**
         * The router, every expert and the shared one with its gate, as (in, out) matrices, and the experts' biases.
         * An expert's slabs of stacked tensors are freed once its matrices are cut out of them.
         */
        private LayerWeights.Mixture mixture(WeightUpload upload, Map<String, NDArray> stored, MixtureTensors t,
                                             int l) throws IOException {
            int d = config.model().dModel();
            List<LayerWeights.Mlp> experts = new ArrayList<>();
            LayerWeights.Mlp shared = null;
            for (MlpBlock block : config.model().mlpBlocks(l)) {
                Map<String, NDArray> slabs = new HashMap<>();
                try {
                    String e = block.expert();
                    boolean biased = !block.isShared();
                    LayerWeights.Mlp mlp = new LayerWeights.Mlp(mlp(upload, slabs, MlpMatrix.GATE, l, e),
                            mlp(upload, slabs, MlpMatrix.UP, l, e), mlp(upload, slabs, MlpMatrix.DOWN, l, e),
                            biased ? expertBias(upload, stored, t, MlpMatrix.GATE, l, block) : null,
                            biased ? expertBias(upload, stored, t, MlpMatrix.UP, l, block) : null,
                            biased ? expertBias(upload, stored, t, MlpMatrix.DOWN, l, block) : null);
                    if (block.isShared()) {
                        shared = mlp;
                    } else {
                        experts.add(mlp);
                    }
                } finally {
                    slabs.values().forEach(NDArray::close);
                }
            }
            int count = experts.size();
            return new LayerWeights.Mixture(upload.matrix(t.router(), count, d).transpose(),
                    t.routerBias() == null ? null : upload.vector(t.routerBias(), count), experts, shared,
                    t.sharedGate() == null ? null : upload.matrix(t.sharedGate(), 1, d).transpose());
        }

        /**
         * A routed expert's bias of one matrix, or null: row expert of the stacked [experts, outputs] tensor, gate's
         * and up's at the positions of their neurons ({@link MixtureTensors#expertBiases()}), down's whole.
         */
        private NDArray expertBias(WeightUpload upload, Map<String, NDArray> stored, MixtureTensors t,
                                   MlpMatrix matrix, int l, MlpBlock block) throws IOException {
            String tensor = t.expertBiases().get(matrix);
            if (tensor == null) {
                return null;
            }
            NeuronSource src = checkpoint.neurons(matrix, l, block.expert());
            NDArray all = fused(upload, stored, tensor, -1, config.model().experts().count(),
                    (int) biasOutputs(src, matrix));
            String row = Integer.parseInt(block.expert()) + ", ";
            return copyOut(all, v -> v.get(new NDIndex(row + (matrix == MlpMatrix.DOWN ? ":" : range(src)))));
        }

        /** Outputs of a matrix, which its bias has: the neurons' axis of gate and up (all of it), d_model of down. */
        private static long biasOutputs(NeuronSource src, MlpMatrix matrix) {
            long[] shape = src.shape();
            return matrix == MlpMatrix.DOWN ? src.dModel() : shape[shape.length - (src.neuronIsRow() ? 2 : 1)];
        }

        /** "first:end[:stride]": the rows or columns of a source's neurons. */
        private static String range(NeuronSource src) {
            long end = src.position(src.count() - 1) + 1;
            return src.offset() + ":" + end + (src.stride() == 1 ? "" : ":" + src.stride());
        }

        /** A norm's weight (and bias): see {@link LayerWeights.Norm} for which precision. */
        LayerWeights.Norm norm(WeightUpload upload, LayerTensors.Norm n, int width) throws IOException {
            if (n == null) {
                return null;
            }
            NormKind kind = config.norm();
            if (kind == NormKind.RMS && !layout.rmsWeightInFloat32()) {
                return new LayerWeights.Norm(upload.vector(n.weight(), width), null);
            }
            return new LayerWeights.Norm(upload.float32Vector(n.weight(), width, kind == NormKind.RMS_PLUS_ONE ? 1 : 0),
                    n.bias() == null ? null : upload.float32Vector(n.bias(), width, 0));
        }

        private int qkNormWidth(boolean query) {
            int heads = query ? config.heads() : config.kvHeads();
            return config.block().qkNorm() == DecoderBlock.QkNorm.WHOLE ? heads * config.headDim()
                    : config.headDim();
        }

        /** (in, out) of a projection: a view of a whole tensor, a copy of a fused tensor's part. */
        private NDArray projection(WeightUpload upload, Map<String, NDArray> stored, TensorSlice s)
                throws IOException {
            long[] shape = s.stored();
            if (s.whole()) {
                NDArray w = upload.matrix(s.tensor(), (int) shape[0], (int) shape[1]);
                return s.inputsFirst() ? w : w.transpose();
            }
            NDArray w = fused(upload, stored, s.tensor(), shape);
            if (s.inputsFirst()) {
                return copyOut(w, v -> v.reshape(shape[0], s.blocks(), s.blockStride())
                        .get(new NDIndex(":, :, {}:{}", s.offset(), s.offset() + s.width()))
                        .reshape(shape[0], s.outputs()));
            }
            return copyOut(w, v -> v.reshape(s.blocks(), s.blockStride(), shape[1])
                    .get(new NDIndex(":, {}:{}, :", s.offset(), s.offset() + s.width()))
                    .reshape(s.outputs(), shape[1])).transpose();
        }

        private NDArray bias(WeightUpload upload, Map<String, NDArray> stored, TensorSlice s) throws IOException {
            if (s == null) {
                return null;
            }
            if (s.whole()) {
                return upload.vector(s.tensor(), s.outputs());
            }
            NDArray b = stored.get(s.tensor());
            if (b == null) {
                b = upload.vector(s.tensor(), (int) s.stored()[0]);
                stored.put(s.tensor(), b);
            }
            return copyOut(b, v -> v.reshape(s.blocks(), s.blockStride()).get(new NDIndex(":, {}:{}", s.offset(),
                    s.offset() + s.width())).reshape(s.outputs()));
        }

        /**
         * A contiguous copy of part of a stored tensor, owned by the stored tensor's manager; the views that cut it
         * go to a scope of their own, so nothing keeps the fused tensor alive once it is closed.
         */
        private static NDArray copyOut(NDArray stored, UnaryOperator<NDArray> cut) {
            try (NDManager views = stored.getManager().newSubManager()) {
                NDArray all = stored.reshape(stored.getShape());
                all.attach(views);
                NDArray part = cut.apply(all).duplicate();
                part.attach(stored.getManager());
                return part;
            }
        }

        private NDArray fused(WeightUpload upload, Map<String, NDArray> stored, String tensor, long[] shape)
                throws IOException {
            return fused(upload, stored, tensor, -1, (int) shape[0], (int) shape[1]);
        }

        /** A stored [rows, cols] matrix (slab of a 3-D tensor, or -1), uploaded once and kept in stored. */
        private static NDArray fused(WeightUpload upload, Map<String, NDArray> stored, String tensor, int slab,
                                     int rows, int cols) throws IOException {
            String key = slab < 0 ? tensor : tensor + "[" + slab + "]";
            NDArray w = stored.get(key);
            if (w == null) {
                w = upload.matrix(tensor, slab, rows, cols);
                stored.put(key, w);
            }
            return w;
        }

        /**
         * gate and up as (d_model, d_mlp), down as (d_mlp, d_model), from where the map reads their neurons: rows or
         * columns of nn.Linear or Conv1D weights, halves of a fused gate_up (Phi-3), an expert's slab of a stacked
         * tensor with gate and up interleaved (gpt-oss). Null for a gate the MLP does not have.
         */
        private NDArray mlp(WeightUpload upload, Map<String, NDArray> stored, MlpMatrix matrix, int l,
                            String expert) throws IOException {
            if (!checkpoint.architecture().matrices().contains(matrix)) {
                return null;
            }
            NeuronSource src = checkpoint.neurons(matrix, l, expert);
            long[] shape = src.shape();
            int rows = (int) shape[shape.length - 2];
            int cols = (int) shape[shape.length - 1];
            boolean whole = src.offset() == 0 && src.stride() == 1 && src.count() == (src.neuronIsRow() ? rows : cols);
            NDArray w = whole ? upload.matrix(src.tensor(), src.slab(), rows, cols)
                    : fused(upload, stored, src.tensor(), src.slab(), rows, cols);
            if (!whole) {
                String range = range(src);
                w = copyOut(w, v -> v.get(new NDIndex(src.neuronIsRow() ? range + ", :" : ":, " + range)));
            }
            // A neuron is a row of gate/up stored [out, in] and of down stored [in, out] (Conv1D): transpose those
            // of gate/up, and down stored [out, in], into the stack's orientation.
            boolean readsIsRow = matrix != MlpMatrix.DOWN;
            return src.neuronIsRow() == readsIsRow ? w.transpose() : w;
        }

        /** Every tensor the forward pass reads, checked before anything is uploaded. */
        void validateShapes() throws IOException {
            int d = config.model().dModel();
            String hidden = "hidden_size=" + d;
            checkpoint.requireShape(checkpoint.architecture().finalNorm(), new long[] {d}, hidden, "the final norm");
            if (layout.positionEmbedding() != null) {
                checkpoint.requireShape(layout.positionEmbedding(), new long[] {config.maxPositions(), d},
                        "max positions=" + config.maxPositions() + ", " + hidden, "learned positions");
            }
            String because = "num_attention_heads=" + config.heads() + ", num_key_value_heads=" + config.kvHeads()
                    + ", head_dim=" + config.headDim() + ", " + hidden + ", model_type="
                    + layout.modelType();
            for (int l = 0; l < config.model().layers(); l++) {
                LayerTensors t = layout.tensors(config, l);
                String where = "layer " + l;
                for (LayerTensors.Norm n : new LayerTensors.Norm[] {t.attnIn(), t.attnOut(), t.mlpIn(), t.mlpOut()}) {
                    if (n != null) {
                        checkpoint.requireShape(n.weight(), new long[] {d}, hidden, where);
                        if (n.bias() != null && config.norm().hasBias()) {
                            checkpoint.requireShape(n.bias(), new long[] {d}, hidden, where);
                        }
                    }
                }
                if (t.qNorm() != null) {
                    checkpoint.requireShape(t.qNorm(), new long[] {qkNormWidth(true)}, because, where + ", q_norm");
                    checkpoint.requireShape(t.kNorm(), new long[] {qkNormWidth(false)}, because, where + ", k_norm");
                }
                for (TensorSlice s : new TensorSlice[] {t.q(), t.k(), t.v(), t.o(), t.qBias(), t.kBias(), t.vBias(),
                        t.oBias()}) {
                    if (s != null) {
                        checkpoint.requireShape(s.tensor(), s.stored(), because, where + ", attention");
                    }
                }
                if (t.upBias() != null) {
                    checkpoint.requireShape(t.upBias(), new long[] {config.model().dMlp()},
                            "intermediate_size=" + config.model().dMlp(), where + ", MLP");
                }
                if (t.downBias() != null) {
                    checkpoint.requireShape(t.downBias(), new long[] {d}, hidden, where + ", MLP");
                }
                if (t.sinks() != null) {
                    checkpoint.requireShape(t.sinks(), new long[] {config.heads()}, because, where + ", sinks");
                }
                MixtureTensors mixture = layout.mixture(config, l);
                if (mixture != null) {
                    int count = config.model().experts().count();
                    String experts = "num_experts=" + count + ", " + hidden;
                    checkpoint.requireShape(mixture.router(), new long[] {count, d}, experts, where + ", router");
                    if (mixture.routerBias() != null) {
                        checkpoint.requireShape(mixture.routerBias(), new long[] {count}, experts, where + ", router");
                    }
                    MlpBlock first = config.model().mlpBlocks(l).get(0);
                    for (Map.Entry<MlpMatrix, String> bias : mixture.expertBiases().entrySet()) {
                        NeuronSource src = checkpoint.neurons(bias.getKey(), l, first.expert());
                        checkpoint.requireShape(bias.getValue(), new long[] {count, biasOutputs(src, bias.getKey())},
                                src.because(), where + ", experts' " + bias.getKey().label() + " bias");
                    }
                    if (mixture.sharedGate() != null) {
                        checkpoint.requireShape(mixture.sharedGate(), new long[] {1, d}, hidden,
                                where + ", shared_expert_gate");
                    }
                }
            }
        }
    }

    public ForwardConfig config() {
        return config;
    }

    public Precision precision() {
        return precision;
    }

    public Device device() {
        return manager.getDevice();
    }

    /** Bytes of weights on the device at {@link #precision()}: the model's whole footprint there. */
    public long residentBytes() {
        return residentBytes;
    }

    /** A manager for a caller's temporaries; closing the model closes it too. */
    public NDManager newSubManager() {
        return manager.newSubManager();
    }

    NDArray embedding() {
        return embedding;
    }

    /** (max_positions, d_model) learned positions, or null for rotary ones. */
    NDArray positions() {
        return positions;
    }

    NDArray head() {
        return head;
    }

    LayerWeights.Norm finalNorm() {
        return finalNorm;
    }

    LayerWeights layer(int l) {
        return layers.get(l);
    }

    /** Everything the model's own manager holds: what a leak test counts. */
    NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }
}
