package io.neuronatlas.checkpoint.synthetic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.neuronatlas.checkpoint.Architecture;
import io.neuronatlas.checkpoint.Architectures;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.DecoderBlock;
import io.neuronatlas.checkpoint.DecoderLayout;
import io.neuronatlas.checkpoint.ForwardConfig;
import io.neuronatlas.checkpoint.LayerTensors;
import io.neuronatlas.checkpoint.MixtureTensors;
import io.neuronatlas.checkpoint.MlpBlock;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.NeuronSource;
import io.neuronatlas.checkpoint.RopeScaling;
import io.neuronatlas.checkpoint.safetensors.DType;
import io.neuronatlas.checkpoint.TensorSlice;
import io.neuronatlas.checkpoint.safetensors.SafetensorsWriter;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.checkpoint.tokenizer.TokenizerJsonWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a complete Llama-family checkpoint a forward pass can run: config.json with attention shape, rotary and
 * special-token fields, every tensor of every decoder layer (attention with grouped-query heads, an explicit head_dim
 * when asked, Qwen2's q/k/v biases or Llama's attention_bias, Qwen3's per-head q/k norms, both norms, the gated MLP,
 * or for Mixtral and Qwen3-MoE a router and experts), final norm, tied or untied head, in BF16, F16 or F32, and a
 * synthetic byte-level tokenizer.json with a BOS and an EOS token. Tensor names come from the family's
 * {@link DecoderLayout} and {@link Architecture}.
 *
 * <p>Weights are seeded uniform noise scaled like a standard initialisation (each projection keeps unit variance), so
 * activations stay in a realistic range through many layers. A {@link CausalNeuron} can be planted: a neuron that a
 * trigger token drives and that writes the unembedding direction of a target token, so clamping it has an effect
 * whose sign is known. Tensors stream row by row, so real model shapes (Llama-3.2-1B: 2.5 GB in BF16) never sit in
 * memory.
 */
public final class SyntheticDecoder {
    public static final String BOS = "<|begin_of_text|>";
    public static final String EOS = "<|end_of_text|>";
    /** The model_types written, with their transformers class. */
    private static final Map<String, String> CLASSES = Map.of("llama", "LlamaForCausalLM", "mistral",
            "MistralForCausalLM", "qwen2", "Qwen2ForCausalLM", "qwen3", "Qwen3ForCausalLM", "mixtral",
            "MixtralForCausalLM", "qwen3_moe", "Qwen3MoeForCausalLM");
    private static final Set<String> MIXTURES = Set.of("mixtral", "qwen3_moe");

    private String modelType = "llama";
    private int layers = 2;
    private int dModel = 64;
    private int dMlp = 128;
    private int heads = 4;
    private int kvHeads = 2;
    private int headDim;
    private int vocab = 512;
    private DType dtype = DType.F32;
    private boolean tied;
    private boolean attentionBias;
    private double ropeTheta = 10000.0;
    private RopeScaling ropeScaling = RopeScaling.NONE;
    private int maxPositions = 2048;
    private double rmsNormEps = 1e-5;
    private long seed = 1;
    private int experts;
    private int expertDMlp;
    private int expertsPerToken;
    private CausalNeuron planted;

    /**
     * A neuron that reads a trigger token and writes a target token. Its gate and up rows are the trigger's
     * embedding direction times {@code readGain}, so the neuron fires where the residual stream still carries the
     * trigger; its down_proj column is {@code writeGain} · u / |u|² for the target's unembedding row u, so each unit
     * of activation adds about writeGain to the target's logit before the final norm.
     */
    public record CausalNeuron(int layer, int neuron, String trigger, String target, double readGain,
                               double writeGain) {
        public CausalNeuron {
            if (layer < 0 || neuron < 0) {
                throw new IllegalArgumentException("layer and neuron must not be negative: " + layer + ", " + neuron);
            }
        }

        /** " is" drives it, " dog" is what it writes: the paper's "My favourite animal is" → " dog". */
        public static CausalNeuron dog(int layer, int neuron) {
            return new CausalNeuron(layer, neuron, " is", " dog", 1.0, 0.5);
        }
    }

    /** What was written, read back through {@link ForwardConfig#read}. */
    public record Written(Path dir, ForwardConfig config, TokenTable tokens, CausalNeuron planted) {
        /** Id of a token text of the synthetic vocabulary. */
        public int id(String text) {
            return tokens.idOf(text).orElseThrow(() -> new IllegalArgumentException("'" + text
                    + "' is not a token of the synthetic vocabulary"));
        }
    }

    /** llama, mistral, qwen2, qwen3, or with {@link #experts} mixtral or qwen3_moe. */
    public SyntheticDecoder modelType(String v) {
        modelType = v;
        return this;
    }

    public SyntheticDecoder layers(int v) {
        layers = v;
        return this;
    }

    public SyntheticDecoder dModel(int v) {
        dModel = v;
        return this;
    }

    public SyntheticDecoder dMlp(int v) {
        dMlp = v;
        return this;
    }

    /** Query and key/value heads; kvHeads must divide heads. */
    public SyntheticDecoder heads(int queryHeads, int keyValueHeads) {
        heads = queryHeads;
        kvHeads = keyValueHeads;
        return this;
    }

    /** Writes head_dim into config.json; 0 (the default) leaves it out, so it is hidden_size / heads. */
    public SyntheticDecoder headDim(int v) {
        headDim = v;
        return this;
    }

    /** Size of the synthetic vocabulary; the last two ids are BOS and EOS. */
    public SyntheticDecoder vocab(int v) {
        vocab = v;
        return this;
    }

    public SyntheticDecoder dtype(DType v) {
        dtype = v;
        return this;
    }

    /** Tie the LM head to the embedding (no lm_head.weight). */
    public SyntheticDecoder tied(boolean v) {
        tied = v;
        return this;
    }

    /** Llama's attention_bias flag: biases on q, k, v and o. Qwen2 has q/k/v biases whatever this says. */
    public SyntheticDecoder attentionBias(boolean v) {
        attentionBias = v;
        return this;
    }

    public SyntheticDecoder rope(double theta, RopeScaling scaling) {
        ropeTheta = theta;
        ropeScaling = scaling;
        return this;
    }

    public SyntheticDecoder maxPositions(int v) {
        maxPositions = v;
        return this;
    }

    public SyntheticDecoder rmsNormEps(double v) {
        rmsNormEps = v;
        return this;
    }

    public SyntheticDecoder seed(long v) {
        seed = v;
        return this;
    }

    /**
     * Every layer a mixture of count experts of width neurons, each token routed to perToken of them (mixtral,
     * qwen3_moe); the router rows are random, so tokens spread over the experts.
     */
    public SyntheticDecoder experts(int count, int width, int perToken) {
        experts = count;
        expertDMlp = width;
        expertsPerToken = perToken;
        return this;
    }

    public SyntheticDecoder plant(CausalNeuron neuron) {
        planted = neuron;
        return this;
    }

    public Written write(Path dir) throws IOException {
        if (!CLASSES.containsKey(modelType)) {
            throw new IllegalArgumentException("synthetic decoders are written for model_type " + CLASSES.keySet()
                    + ", not '" + modelType + "'");
        }
        if (MIXTURES.contains(modelType) != experts > 0) {
            throw new IllegalArgumentException("model_type '" + modelType + "' " + (experts > 0
                    ? "has no experts" : "needs experts(count, width, perToken)"));
        }
        if (planted != null && (planted.layer() >= layers || planted.neuron() >= dMlp || experts > 0)) {
            throw new IllegalArgumentException("planted neuron " + planted + " is outside the dense MLPs ("
                    + layers + " layers of " + dMlp + " neurons" + (experts > 0 ? "; a mixture has none" : "") + ")");
        }
        List<String> texts = SyntheticVocabulary.tokens(vocab - 2);
        if (planted != null) {
            for (String token : List.of(planted.trigger(), planted.target())) {
                if (!texts.contains(token) && !List.of(BOS, EOS).contains(token)) {
                    throw new IllegalArgumentException("token '" + token + "' of the planted neuron is not among the "
                            + vocab + " tokens of the synthetic vocabulary");
                }
            }
        }
        Files.createDirectories(dir);
        Path tokenizer = dir.resolve(Checkpoint.TOKENIZER);
        TokenizerJsonWriter.writeByteLevel(tokenizer, texts, List.of(BOS, EOS));
        TokenTable tokens = TokenTable.load(tokenizer, vocab);
        writeConfig(dir.resolve(Checkpoint.CONFIG));
        ForwardConfig config = ForwardConfig.read(dir.resolve(Checkpoint.CONFIG));
        SafetensorsWriter writer = new SafetensorsWriter(dir.resolve("model.safetensors")).metadata("format", "pt");
        new Tensors(config, tokens).addTo(writer);
        writer.write();
        return writtenAt(dir);
    }

    /** What {@link #write} wrote into dir, read back: benchmarks reuse a folder of real model size. */
    public Written writtenAt(Path dir) throws IOException {
        return new Written(dir, ForwardConfig.read(dir.resolve(Checkpoint.CONFIG)),
                TokenTable.load(dir.resolve(Checkpoint.TOKENIZER), vocab), planted);
    }

    private void writeConfig(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.putArray("architectures").add(CLASSES.get(modelType));
        root.put("model_type", modelType);
        root.put("hidden_size", dModel);
        // Mixtral's experts are intermediate_size wide; Qwen3-MoE's moe_intermediate_size (intermediate_size is
        // its dense layers', of which this writes none).
        root.put("intermediate_size", modelType.equals("mixtral") ? expertDMlp : dMlp);
        if (modelType.equals("mixtral")) {
            root.put("num_local_experts", experts);
            root.put("num_experts_per_tok", expertsPerToken);
        } else if (modelType.equals("qwen3_moe")) {
            root.put("num_experts", experts);
            root.put("moe_intermediate_size", expertDMlp);
            root.put("num_experts_per_tok", expertsPerToken);
            root.put("norm_topk_prob", true);
            root.put("decoder_sparse_step", 1);
            root.putArray("mlp_only_layers");
        }
        root.put("num_hidden_layers", layers);
        root.put("num_attention_heads", heads);
        root.put("num_key_value_heads", kvHeads);
        if (headDim > 0) {
            root.put("head_dim", headDim);
        }
        root.put("hidden_act", "silu");
        root.put("rms_norm_eps", rmsNormEps);
        root.put("rope_theta", ropeTheta);
        if (ropeScaling instanceof RopeScaling.Linear linear) {
            ObjectNode scaling = root.putObject("rope_scaling");
            scaling.put("rope_type", linear.kind().ropeType());
            scaling.put("factor", linear.factor());
        } else if (ropeScaling instanceof RopeScaling.Llama3 llama3) {
            ObjectNode scaling = root.putObject("rope_scaling");
            scaling.put("rope_type", llama3.kind().ropeType());
            scaling.put("factor", llama3.factor());
            scaling.put("low_freq_factor", llama3.lowFreqFactor());
            scaling.put("high_freq_factor", llama3.highFreqFactor());
            scaling.put("original_max_position_embeddings", llama3.originalMaxPositions());
        } else if (ropeScaling.kind() == RopeScaling.Kind.NONE) {
            root.putNull("rope_scaling");
        } else {
            throw new IllegalStateException("synthetic decoders write no, linear or llama3 rope scaling, not "
                    + ropeScaling.kind().ropeType());
        }
        root.put("max_position_embeddings", maxPositions);
        if (modelType.equals("llama")) {
            root.put("attention_bias", attentionBias);
        }
        root.put("vocab_size", vocab);
        root.put("bos_token_id", vocab - 2);
        root.put("eos_token_id", vocab - 1);
        root.put("tie_word_embeddings", tied);
        root.put("torch_dtype", dtype == DType.F32 ? "float32" : dtype == DType.F16 ? "float16" : "bfloat16");
        json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    }

    /** The tensors in Hugging Face's order, each a pure function of (seed, name, row). */
    private final class Tensors {
        private final ForwardConfig config;
        private final Architecture arch;
        private final TokenTable tokens;
        private final SeededRows rows = new SeededRows(seed);

        Tensors(ForwardConfig config, TokenTable tokens) {
            this.config = config;
            this.arch = Architectures.forModelType(modelType);
            this.tokens = tokens;
        }

        /** The names and shapes of the family's own layout (attention, norms, router) and architecture (MLPs). */
        void addTo(SafetensorsWriter writer) {
            DecoderLayout layout = config.layout();
            writer.add(arch.embedTokens(), dtype, new long[] {vocab, dModel}, this::embeddingRow);
            for (int layer = 0; layer < layers; layer++) {
                LayerTensors t = layout.tensors(config, layer);
                writer.add(t.attnIn().weight(), dtype, new long[] {dModel}, norm("in." + layer));
                if (t.qNorm() != null) {
                    int hd = config.headDim();
                    boolean perHead = config.block().qkNorm() == DecoderBlock.QkNorm.PER_HEAD;
                    writer.add(t.qNorm(), dtype, new long[] {perHead ? hd : (long) heads * hd},
                            norm("q." + layer));
                    writer.add(t.kNorm(), dtype, new long[] {perHead ? hd : (long) kvHeads * hd},
                            norm("k." + layer));
                }
                TensorSlice[] weights = {t.q(), t.k(), t.v(), t.o()};
                TensorSlice[] biases = {t.qBias(), t.kBias(), t.vBias(), t.oBias()};
                for (int p = 0; p < weights.length; p++) {
                    String name = weights[p].tensor();
                    long[] shape = weights[p].stored(); // nn.Linear: (out, in)
                    writer.add(name, dtype, shape, uniform(name, SeededRows.UNIFORM_UNIT / Math.sqrt(shape[1])));
                    if (biases[p] != null) {
                        String bias = biases[p].tensor();
                        writer.add(bias, dtype, biases[p].stored(), uniform(bias, 0.5));
                    }
                }
                writer.add(t.mlpIn().weight(), dtype, new long[] {dModel}, norm("post." + layer));
                MixtureTensors mixture = layout.mixture(config, layer);
                if (mixture != null) {
                    int experts = config.model().experts().count();
                    writer.add(mixture.router(), dtype, new long[] {experts, dModel},
                            uniform(mixture.router(), SeededRows.UNIFORM_UNIT / Math.sqrt(dModel)));
                }
                for (MlpBlock block : config.model().mlpBlocks(layer)) {
                    for (MlpMatrix m : MlpMatrix.values()) {
                        NeuronSource src = arch.neurons(config.model(), m, layer, block);
                        writer.add(src.tensor(), dtype, src.shape(), mlpRows(m, layer, block));
                    }
                }
            }
            writer.add(arch.finalNorm(), dtype, new long[] {dModel}, finalNorm());
            if (!tied) {
                writer.add(arch.lmHead(), dtype, new long[] {vocab, dModel}, this::headRow);
            }
        }

        private void embeddingRow(long row, float[] dst) {
            rows.fillUniform("embed", row, dst, SeededRows.UNIFORM_UNIT);
        }

        /** Untied head rows have norm about 1, so logits of a normed residual are about unit-variance. */
        private void headRow(long row, float[] dst) {
            if (tied) {
                embeddingRow(row, dst);
            } else {
                rows.fillUniform("head", row, dst, SeededRows.UNIFORM_UNIT / Math.sqrt(dModel));
            }
        }

        private SafetensorsWriter.RowFiller norm(String stream) {
            return (row, dst) -> rows.fillAroundOne("norm." + stream, row, dst, 0.2);
        }

        /**
         * A tied head's rows are input embeddings of unit variance (so a trigger token stays visible in the residual
         * stream); the final norm then scales by 2/√d, so logits spread over a few units as in real models rather
         * than √d. An untied head is scaled in its rows instead.
         */
        private SafetensorsWriter.RowFiller finalNorm() {
            double scale = tied ? 2 / Math.sqrt(dModel) : 1;
            return (row, dst) -> {
                rows.fillAroundOne("norm.final", row, dst, 0.2);
                for (int i = 0; i < dst.length; i++) {
                    dst[i] = (float) (dst[i] * scale);
                }
            };
        }

        private SafetensorsWriter.RowFiller uniform(String stream, double halfWidth) {
            return (row, dst) -> rows.fillUniform(stream, row, dst, halfWidth);
        }

        private SafetensorsWriter.RowFiller mlpRows(MlpMatrix m, int layer, MlpBlock block) {
            String stream = "mlp." + layer + "." + (block.isDense() ? "" : "e" + block.expert() + ".") + m.label();
            double halfWidth = SeededRows.UNIFORM_UNIT / Math.sqrt(m.neuronIsRow() ? dModel : block.width());
            SafetensorsWriter.RowFiller random = uniform(stream, halfWidth);
            if (planted == null || planted.layer() != layer || !block.isDense()) {
                return random;
            }
            if (m.neuronIsRow()) {
                float[] read = readDirection();
                return (row, dst) -> {
                    random.fill(row, dst);
                    if (row == planted.neuron()) {
                        System.arraycopy(read, 0, dst, 0, dModel);
                    }
                };
            }
            float[] write = writeDirection();
            return (row, dst) -> {
                random.fill(row, dst);
                dst[planted.neuron()] = write[(int) row];
            };
        }

        /** readGain · e / |e| for the trigger's embedding e. */
        private float[] readDirection() {
            float[] e = new float[dModel];
            embeddingRow(id(planted.trigger()), e);
            double norm = Math.sqrt(dot(e, e));
            float[] v = new float[dModel];
            for (int j = 0; j < dModel; j++) {
                v[j] = (float) (planted.readGain() * e[j] / norm);
            }
            return v;
        }

        /** writeGain · u / |u|² for the target's unembedding row u. */
        private float[] writeDirection() {
            float[] u = new float[dModel];
            headRow(id(planted.target()), u);
            double norm2 = dot(u, u);
            float[] v = new float[dModel];
            for (int j = 0; j < dModel; j++) {
                v[j] = (float) (planted.writeGain() * u[j] / norm2);
            }
            return v;
        }

        private int id(String text) {
            return tokens.idOf(text).orElseThrow(() -> new IllegalArgumentException("token '" + text
                    + "' of the planted neuron is not in the synthetic vocabulary"));
        }

        private static double dot(float[] a, float[] b) {
            double s = 0;
            for (int i = 0; i < a.length; i++) {
                s += (double) a[i] * b[i];
            }
            return s;
        }
    }
}
