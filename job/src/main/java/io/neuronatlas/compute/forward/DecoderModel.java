package io.neuronatlas.compute.forward;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.neuronatlas.checkpoint.AttentionProjection;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.CheckpointException;
import io.neuronatlas.checkpoint.DecoderLayout;
import io.neuronatlas.checkpoint.ForwardConfig;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.ModelConfig;
import io.neuronatlas.compute.device.Engines;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A Llama-family decoder's weights resident on one DJL device, ready for {@link ForwardPass}, {@link ClampSweeper}
 * and {@link Generator}.
 *
 * <p>Memory: every weight once, at the chosen precision (FP32: 4 bytes a parameter, so Llama-3.2-1B takes 4.9 GB and
 * Llama-3.1-8B 32 GB; FP16 half that), a tied head shared with the embedding, transposes as views; see
 * {@link #residentBytes()}. Loading adds one 16 MiB chunk twice on the host. Everything lives in one NDManager that
 * {@link #close()} frees; callers put their temporaries in {@link #newSubManager()}, which closing the model frees too.
 *
 * <p>Immutable once loaded and safe to share between threads: passes only read the weights.
 */
public final class DecoderModel implements AutoCloseable {
    private final ForwardConfig config;
    private final Precision precision;
    private final NDManager manager;
    private final NDArray embedding; // (vocab, d_model)
    private final NDArray head; // (d_model, vocab), a view
    private final NDArray finalNorm; // (d_model)
    private final List<LayerWeights> layers;
    private final long residentBytes;

    private DecoderModel(ForwardConfig config, Precision precision, NDManager manager, NDArray embedding,
                         NDArray head, NDArray finalNorm, List<LayerWeights> layers, long residentBytes) {
        this.config = config;
        this.precision = precision;
        this.manager = manager;
        this.embedding = embedding;
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
        validateShapes(checkpoint, config);
        NDManager manager = Engines.pytorch().newBaseManager(device);
        try {
            WeightUpload upload = new WeightUpload(checkpoint, manager, precision);
            ModelConfig m = config.model();
            String embedName = checkpoint.architecture().embedTokens();
            NDArray embedding = upload.matrix(embedName, m.vocab(), m.dModel());
            NDArray headRows = checkpoint.lmHeadTensor().equals(embedName) ? embedding
                    : upload.matrix(checkpoint.lmHeadTensor(), m.vocab(), m.dModel());
            NDArray finalNorm = upload.vector(checkpoint.architecture().finalNorm(), m.dModel());
            List<LayerWeights> layers = new ArrayList<>();
            for (int l = 0; l < m.layers(); l++) {
                layers.add(layer(checkpoint, config, upload, l));
            }
            return new DecoderModel(config, precision, manager, embedding, headRows.transpose(), finalNorm, layers,
                    upload.bytes());
        } catch (IOException | RuntimeException | Error e) {
            manager.close();
            throw e;
        }
    }

    private static LayerWeights layer(Checkpoint checkpoint, ForwardConfig config, WeightUpload upload, int l)
            throws IOException {
        DecoderLayout layout = config.layout();
        ModelConfig m = config.model();
        int d = m.dModel();
        NDArray[] weights = new NDArray[AttentionProjection.values().length];
        NDArray[] biases = new NDArray[weights.length];
        for (AttentionProjection p : AttentionProjection.values()) {
            int out = outputs(config, p);
            int in = p == AttentionProjection.O ? config.heads() * config.headDim() : d;
            weights[p.ordinal()] = upload.matrix(layout.attentionWeight(p, l), out, in).transpose();
            if (config.biasedProjections().contains(p)) {
                biases[p.ordinal()] = upload.vector(layout.attentionBias(p, l), out);
            }
        }
        String gate = checkpoint.neurons(MlpMatrix.GATE, l, null).tensor();
        String up = checkpoint.neurons(MlpMatrix.UP, l, null).tensor();
        String down = checkpoint.neurons(MlpMatrix.DOWN, l, null).tensor();
        return new LayerWeights(upload.vector(layout.inputNorm(l), d),
                weights[0], weights[1], weights[2], weights[3], biases[0], biases[1], biases[2], biases[3],
                upload.vector(layout.postAttentionNorm(l), d),
                upload.matrix(gate, m.dMlp(), d).transpose(), upload.matrix(up, m.dMlp(), d).transpose(),
                upload.matrix(down, d, m.dMlp()).transpose());
    }

    private static int outputs(ForwardConfig config, AttentionProjection p) {
        return switch (p) {
            case Q -> config.heads() * config.headDim();
            case K, V -> config.kvHeads() * config.headDim();
            case O -> config.model().dModel();
        };
    }

    /** Every tensor the forward pass reads, checked before anything is uploaded. */
    private static void validateShapes(Checkpoint checkpoint, ForwardConfig config) throws IOException {
        DecoderLayout layout = config.layout();
        int d = config.model().dModel();
        String heads = "num_attention_heads=" + config.heads() + ", head_dim=" + config.headDim()
                + ", hidden_size=" + d;
        String kv = "num_key_value_heads=" + config.kvHeads() + ", head_dim=" + config.headDim()
                + ", hidden_size=" + d;
        checkpoint.requireShape(checkpoint.architecture().finalNorm(), new long[] {d}, "hidden_size=" + d,
                "the final norm");
        for (int l = 0; l < config.model().layers(); l++) {
            for (AttentionProjection p : AttentionProjection.values()) {
                int out = outputs(config, p);
                int in = p == AttentionProjection.O ? config.heads() * config.headDim() : d;
                String because = p == AttentionProjection.K || p == AttentionProjection.V ? kv : heads;
                checkpoint.requireShape(layout.attentionWeight(p, l), new long[] {out, in}, because,
                        "layer " + l + ", attention");
                if (config.biasedProjections().contains(p)) {
                    checkpoint.requireShape(layout.attentionBias(p, l), new long[] {out}, because + ", model_type="
                            + layout.modelType() + " (biases on " + config.biasedProjections() + ")", "layer " + l + ", attention");
                }
            }
            checkpoint.requireShape(layout.inputNorm(l), new long[] {d}, "hidden_size=" + d, "layer " + l);
            checkpoint.requireShape(layout.postAttentionNorm(l), new long[] {d}, "hidden_size=" + d,
                    "layer " + l);
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

    NDArray head() {
        return head;
    }

    NDArray finalNorm() {
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
