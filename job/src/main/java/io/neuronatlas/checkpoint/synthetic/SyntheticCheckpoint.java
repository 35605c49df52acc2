package io.neuronatlas.checkpoint.synthetic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.Experts;
import io.neuronatlas.checkpoint.MlpBlock;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.ModelConfig;
import io.neuronatlas.checkpoint.NeuronSource;
import io.neuronatlas.checkpoint.safetensors.DType;
import io.neuronatlas.checkpoint.safetensors.SafetensorsWriter;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.checkpoint.tokenizer.TokenizerJsonWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a Hugging Face model folder (config.json, safetensors, tokenizer.json) of one {@link SyntheticFamily}
 * (Llama unless told otherwise) with seeded random weights and planted neurons whose right answers are known. Used by
 * the tests at small sizes, by the demo, and by the benchmark at real model shapes, so it streams tensors row by row
 * and never holds a matrix in memory.
 *
 * <p>Every value is a pure function of (seed, tensor, row), which lets a planted neuron be built from LM head rows
 * without keeping the head.
 */
public final class SyntheticCheckpoint {
    /** How the LM head is stored. */
    public enum HeadLayout { UNTIED, TIED, ABSENT }

    /** Score a planted neuron gives its weight-1 token. */
    static final double PLANT_SCALE = 12.0;
    private static final double UNIFORM_UNIT = SeededRows.UNIFORM_UNIT;

    private SyntheticFamily family = SyntheticFamily.LLAMA;
    private int dModel = 64;
    private int dMlp = 256;
    private int layers = 2;
    private int experts = 4;
    private int expertDMlp;
    private int sharedExpertDMlp;
    private List<Integer> denseLayers = List.of();
    private String modelType;
    private DType dtype;
    private HeadLayout head;
    private int files = 1;
    private long seed = 1;
    private int vocab = 1024;
    private Path tokenizerSource;
    private final List<PlantedNeuron> planted = new ArrayList<>();

    /** The family whose names, layouts and config fields are written. */
    public SyntheticCheckpoint family(SyntheticFamily v) {
        family = v;
        return this;
    }

    public SyntheticCheckpoint dModel(int v) {
        dModel = v;
        return this;
    }

    /** intermediate_size: a dense layer's neurons, and a Mixtral or gpt-oss expert's. */
    public SyntheticCheckpoint dMlp(int v) {
        dMlp = v;
        return this;
    }

    public SyntheticCheckpoint layers(int v) {
        layers = v;
        return this;
    }

    /** Routed experts per sparse layer of a mixture-of-experts family (default 4). */
    public SyntheticCheckpoint experts(int v) {
        experts = v;
        return this;
    }

    /** A Qwen-MoE expert's neurons, moe_intermediate_size (default dMlp). */
    public SyntheticCheckpoint expertDMlp(int v) {
        expertDMlp = v;
        return this;
    }

    /** Qwen2-MoE's shared expert's neurons, shared_expert_intermediate_size (default dMlp). */
    public SyntheticCheckpoint sharedExpertDMlp(int v) {
        sharedExpertDMlp = v;
        return this;
    }

    /** Qwen-MoE layers with one dense MLP instead of experts (mlp_only_layers). */
    public SyntheticCheckpoint denseLayers(Integer... v) {
        denseLayers = List.of(v);
        return this;
    }

    /** config.json's model_type, when it should differ from the family's (mistral, qwen2 for Llama's names). */
    public SyntheticCheckpoint modelType(String v) {
        modelType = v;
        return this;
    }

    /** The dtype of every tensor (default: the family's). */
    public SyntheticCheckpoint dtype(DType v) {
        dtype = v;
        return this;
    }

    /** Default: tied for the families whose published checkpoints tie the head, else untied. */
    public SyntheticCheckpoint head(HeadLayout v) {
        head = v;
        return this;
    }

    /** Number of safetensors files; more than one writes model.safetensors.index.json. */
    public SyntheticCheckpoint files(int v) {
        files = v;
        return this;
    }

    public SyntheticCheckpoint seed(long v) {
        seed = v;
        return this;
    }

    /** A synthetic byte-level vocabulary of this many ids (the last one is a special token). */
    public SyntheticCheckpoint vocab(int v) {
        vocab = v;
        tokenizerSource = null;
        return this;
    }

    /** A real tokenizer.json, copied into the folder; the LM head gets vocabSize rows. */
    public SyntheticCheckpoint tokenizer(Path tokenizerJson, int vocabSize) {
        tokenizerSource = tokenizerJson;
        vocab = vocabSize;
        return this;
    }

    public SyntheticCheckpoint plant(PlantedNeuron neuron) {
        planted.add(neuron);
        return this;
    }

    /** The paper's two examples: a " dog" neuron in up_proj and an anti-" California" neuron in down_proj. */
    public SyntheticCheckpoint plantDogAndCalifornia() {
        plant(PlantedNeuron.dog(layers - 1, dMlp / 3));
        return plant(PlantedNeuron.antiCalifornia(0, dMlp / 2));
    }

    /**
     * What was written.
     *
     * @param headTensor the tensor the model unembeds with: its untied head, or the embedding it is tied to
     */
    public record Written(Path dir, ModelConfig config, List<PlantedNeuron> planted, TokenTable tokens,
                          SyntheticFamily family, SyntheticFamily.Shape shape, String headTensor) {
        /** The MLPs of a layer, as the family builds them. */
        public List<MlpBlock> blocks(int layer) {
            return family.blocks(layer, shape);
        }

        /** Where the family stores one matrix of one MLP of a layer (expert null for a dense MLP). */
        public NeuronSource placement(MlpMatrix matrix, int layer, String expert) {
            for (MlpBlock block : blocks(layer)) {
                if (Objects.equals(block.expert(), expert)) {
                    return family.placement(matrix, layer, block, shape);
                }
            }
            throw new IllegalArgumentException("layer " + layer + " has no expert " + expert);
        }
    }

    public Written write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path tokenizer = dir.resolve(Checkpoint.TOKENIZER);
        if (tokenizerSource != null) {
            Files.copy(tokenizerSource, tokenizer, StandardCopyOption.REPLACE_EXISTING);
        } else {
            List<String> texts = SyntheticVocabulary.tokens(vocab - 1);
            TokenizerJsonWriter.writeByteLevel(tokenizer, texts, List.of("<|endoftext|>"));
        }
        TokenTable tokens = TokenTable.load(tokenizer, vocab);
        DType type = dtype != null ? dtype : family.dtype();
        HeadLayout layout = head != null ? head : family.tied() ? HeadLayout.TIED : HeadLayout.UNTIED;
        boolean moe = family.mixtureOfExperts();
        int expertWidth = expertDMlp > 0 ? expertDMlp : dMlp;
        int sharedWidth = family == SyntheticFamily.QWEN2_MOE ? (sharedExpertDMlp > 0 ? sharedExpertDMlp : dMlp) : 0;
        SyntheticFamily.Shape shape = new SyntheticFamily.Shape(dModel, dMlp, layers, vocab, moe ? experts : 0,
                expertWidth, sharedWidth, moe ? denseLayers : List.of());
        String torchDtype = type == DType.F32 ? "float32" : type == DType.F16 ? "float16" : "bfloat16";
        Experts expertShape = !moe ? Experts.NONE : new Experts(experts, family == SyntheticFamily.QWEN2_MOE
                || family == SyntheticFamily.QWEN3_MOE ? expertWidth : dMlp, sharedWidth, denseLayers);
        ModelConfig config = new ModelConfig(modelType != null ? modelType : family.modelType(), dModel, dMlp, layers,
                vocab, layout == HeadLayout.TIED, torchDtype, expertShape, family.logitSoftcap(), family.activation());
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        family.config(root, shape, layout == HeadLayout.TIED, torchDtype);
        root.put("model_type", config.modelType());
        json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(Checkpoint.CONFIG).toFile(), root);
        String headTensor = layout == HeadLayout.UNTIED ? family.untiedHead() : family.embedTokens();
        writeWeights(dir, tokens, shape, type, layout);
        return new Written(dir, config, List.copyOf(planted), tokens, family, shape, headTensor);
    }

    private void writeWeights(Path dir, TokenTable tokens, SyntheticFamily.Shape shape, DType type,
                              HeadLayout layout) throws IOException {
        Map<PlantedNeuron, float[]> plantedVectors = plantedVectors(tokens, shape); // → (d_model)
        List<Tensor> tensors = new ArrayList<>();
        tensors.add(new Tensor(family.embedTokens(), new long[] {vocab, dModel},
                (row, dst) -> fillUniform(layout == HeadLayout.UNTIED ? "embed" : "head", row, dst, UNIFORM_UNIT)));
        for (SyntheticFamily.Extra extra : family.modelExtras(shape)) {
            tensors.add(extraTensor(extra));
        }
        for (int layer = 0; layer < layers; layer++) {
            tensors.addAll(mlpTensors(layer, shape, plantedVectors));
            for (SyntheticFamily.Extra extra : family.extras(layer, shape)) {
                tensors.add(extraTensor(extra));
            }
        }
        // Gemma stores the norm's scale as an offset from 1.
        double normCenter = family.onePlusNorm() ? 0 : 1.0;
        tensors.add(new Tensor(family.finalNorm(), new long[] {dModel},
                (row, dst) -> new SeededRows(seed).fillAround("norm", 0, dst, normCenter, 0.2)));
        if (family.finalNormBias() != null) {
            tensors.add(new Tensor(family.finalNormBias(), new long[] {dModel},
                    (row, dst) -> fillUniform("norm.bias", row, dst, 0.2)));
        }
        if (layout == HeadLayout.UNTIED) {
            tensors.add(new Tensor(family.untiedHead(), new long[] {vocab, dModel},
                    (row, dst) -> fillUniform("head", row, dst, UNIFORM_UNIT)));
        }
        if (files <= 1) {
            writeFile(dir.resolve("model.safetensors"), tensors, type);
            return;
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (int f = 0; f < files; f++) {
            String name = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", f + 1, files);
            List<Tensor> part = new ArrayList<>();
            for (int i = f; i < tensors.size(); i += files) {
                part.add(tensors.get(i));
                weightMap.put(tensors.get(i).name(), name);
            }
            writeFile(dir.resolve(name), part, type);
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode index = json.createObjectNode();
        index.putObject("metadata").put("total_size", 0);
        ObjectNode map = index.putObject("weight_map");
        weightMap.forEach(map::put);
        json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
    }

    private Tensor extraTensor(SyntheticFamily.Extra extra) {
        return new Tensor(extra.name(), extra.shape(), (row, dst) -> fillUniform("extra." + extra.name(), row, dst,
                0.05));
    }

    /** A planted neuron patched into its stored tensor: row or column position of matrix slab. */
    private record Patch(int slab, boolean row, long position, float[] vector) {
    }

    /** A stored tensor of one layer's MLP and the planted neurons in it. */
    private record Stored(String name, long[] shape, String stream, List<Patch> patches) {
    }

    /**
     * The layer's MLP tensors in the order the family's matrices and MLPs name them. Random values come from a stream
     * per tensor, named after the one dense matrix it holds ("mlp.{layer}.{matrix}") as it always was, or after the
     * tensor itself when it holds experts or fused matrices.
     */
    private List<Tensor> mlpTensors(int layer, SyntheticFamily.Shape shape, Map<PlantedNeuron, float[]> vectors) {
        Map<String, Stored> stored = new LinkedHashMap<>();
        for (MlpBlock block : family.blocks(layer, shape)) {
            for (MlpMatrix m : family.matrices()) {
                NeuronSource at = family.placement(m, layer, block, shape);
                Stored tensor = stored.computeIfAbsent(at.tensor(), name -> new Stored(name, at.shape(),
                        "mlp." + name, new ArrayList<>()));
                if (block.isDense() && at.shape().length == 2 && at.shape()[0] * at.shape()[1] == (long) dMlp * dModel) {
                    stored.put(at.tensor(), new Stored(at.tensor(), at.shape(), "mlp." + layer + "." + m.label(),
                            tensor.patches()));
                }
                for (Map.Entry<PlantedNeuron, float[]> p : vectors.entrySet()) {
                    PlantedNeuron n = p.getKey();
                    if (n.matrix() == m && n.layer() == layer && Objects.equals(n.expert(), block.expert())) {
                        tensor.patches().add(new Patch(at.slab(), at.neuronIsRow(), at.position(n.neuron()),
                                p.getValue()));
                    }
                }
            }
        }
        double neuronScale = UNIFORM_UNIT / Math.sqrt(dModel); // random neurons get norm ≈ 1
        List<Tensor> tensors = new ArrayList<>();
        for (Stored s : stored.values()) {
            long rowsPerSlab = s.shape()[s.shape().length - 2];
            boolean stacked = s.shape().length == 3;
            tensors.add(new Tensor(s.name(), s.shape(), (row, dst) -> {
                fillUniform(s.stream(), row, dst, neuronScale);
                long slab = stacked ? row / rowsPerSlab : -1;
                long r = stacked ? row % rowsPerSlab : row;
                for (Patch patch : s.patches()) {
                    if (patch.slab() != slab) {
                        continue;
                    }
                    if (patch.row() && r == patch.position()) {
                        System.arraycopy(patch.vector(), 0, dst, 0, dModel);
                    } else if (!patch.row()) {
                        dst[(int) patch.position()] = patch.vector()[(int) r];
                    }
                }
            }));
        }
        return tensors;
    }

    private Map<PlantedNeuron, float[]> plantedVectors(TokenTable tokens, SyntheticFamily.Shape shape) {
        Map<PlantedNeuron, float[]> vectors = new LinkedHashMap<>();
        for (PlantedNeuron p : planted) {
            boolean inShape = p.layer() < layers && family.matrices().contains(p.matrix())
                    && family.blocks(p.layer(), shape).stream().anyMatch(b -> Objects.equals(b.expert(), p.expert())
                    && p.neuron() < b.width());
            if (!inShape) {
                throw new IllegalArgumentException("planted neuron " + p + " is outside the model's shape");
            }
            double[] v = new double[dModel];
            float[] row = new float[dModel];
            for (Map.Entry<String, Double> e : p.weights().entrySet()) {
                int id = tokens.idOf(e.getKey()).orElseThrow(() -> new IllegalArgumentException(
                        "token '" + e.getKey() + "' of planted neuron is not in the vocabulary"));
                fillUniform("head", id, row, UNIFORM_UNIT);
                double norm2 = 0;
                for (float x : row) {
                    norm2 += (double) x * x;
                }
                for (int j = 0; j < dModel; j++) {
                    v[j] += PLANT_SCALE * e.getValue() * row[j] / norm2;
                }
            }
            float[] f = new float[dModel];
            for (int j = 0; j < dModel; j++) {
                f[j] = (float) v[j];
            }
            vectors.put(p, f);
        }
        return vectors;
    }

    private void fillUniform(String stream, long row, float[] dst, double halfWidth) {
        new SeededRows(seed).fillUniform(stream, row, dst, halfWidth);
    }

    private static void writeFile(Path file, List<Tensor> tensors, DType type) throws IOException {
        SafetensorsWriter writer = new SafetensorsWriter(file).metadata("format", "pt");
        for (Tensor t : tensors) {
            writer.add(t.name(), type, t.shape(), t.filler()::fill);
        }
        writer.write();
    }

    private record Tensor(String name, long[] shape, Filler filler) {
    }

    @FunctionalInterface
    private interface Filler {
        void fill(long row, float[] dst);
    }
}
