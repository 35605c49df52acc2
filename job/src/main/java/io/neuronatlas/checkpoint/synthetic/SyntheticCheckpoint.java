package io.neuronatlas.checkpoint.synthetic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.LlamaArchitecture;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.ModelConfig;
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

/**
 * Writes a Llama-layout Hugging Face folder (config.json, safetensors, tokenizer.json) with seeded random weights
 * and planted neurons whose right answers are known. Used by the tests at small sizes, by the demo, and by the
 * benchmark at real model shapes, so it streams tensors row by row and never holds a matrix in memory.
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

    private int dModel = 64;
    private int dMlp = 256;
    private int layers = 2;
    private String modelType = "llama";
    private DType dtype = DType.BF16;
    private HeadLayout head = HeadLayout.UNTIED;
    private int files = 1;
    private long seed = 1;
    private int vocab = 1024;
    private Path tokenizerSource;
    private final List<PlantedNeuron> planted = new ArrayList<>();

    public SyntheticCheckpoint dModel(int v) {
        dModel = v;
        return this;
    }

    public SyntheticCheckpoint dMlp(int v) {
        dMlp = v;
        return this;
    }

    public SyntheticCheckpoint layers(int v) {
        layers = v;
        return this;
    }

    public SyntheticCheckpoint modelType(String v) {
        modelType = v;
        return this;
    }

    public SyntheticCheckpoint dtype(DType v) {
        dtype = v;
        return this;
    }

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

    /** What was written. */
    public record Written(Path dir, ModelConfig config, List<PlantedNeuron> planted, TokenTable tokens) {
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
        ModelConfig config = new ModelConfig(modelType, dModel, dMlp, layers, vocab, head == HeadLayout.TIED,
                dtype == DType.F32 ? "float32" : dtype == DType.F16 ? "float16" : "bfloat16");
        writeConfig(dir.resolve(Checkpoint.CONFIG), config);
        writeWeights(dir, tokens);
        return new Written(dir, config, List.copyOf(planted), tokens);
    }

    private void writeConfig(Path file, ModelConfig config) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.putArray("architectures").add("LlamaForCausalLM");
        root.put("model_type", config.modelType());
        root.put("hidden_size", config.dModel());
        root.put("intermediate_size", config.dMlp());
        root.put("num_hidden_layers", config.layers());
        root.put("num_attention_heads", Math.max(1, config.dModel() / 64));
        root.put("vocab_size", config.vocab());
        root.put("rms_norm_eps", 1e-5);
        root.put("tie_word_embeddings", config.tieWordEmbeddings());
        root.put("torch_dtype", config.torchDtype());
        json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    }

    private void writeWeights(Path dir, TokenTable tokens) throws IOException {
        LlamaArchitecture arch = LlamaArchitecture.INSTANCE;
        Map<String, float[]> plantedVectors = plantedVectors(tokens); // key → (d_model)
        List<Tensor> tensors = new ArrayList<>();
        tensors.add(new Tensor(arch.embedTokens(), new long[] {vocab, dModel},
                (row, dst) -> fillUniform(head == HeadLayout.UNTIED ? "embed" : "head", row, dst, UNIFORM_UNIT)));
        for (int layer = 0; layer < layers; layer++) {
            for (MlpMatrix m : MlpMatrix.values()) {
                tensors.add(mlpTensor(arch.mlpWeight(m, layer), m, layer, plantedVectors));
            }
        }
        tensors.add(new Tensor(arch.finalNorm(), new long[] {dModel},
                (row, dst) -> new SeededRows(seed).fillAroundOne("norm", 0, dst, 0.2)));
        if (head == HeadLayout.UNTIED) {
            tensors.add(new Tensor(arch.lmHead(), new long[] {vocab, dModel},
                    (row, dst) -> fillUniform("head", row, dst, UNIFORM_UNIT)));
        }
        if (files <= 1) {
            writeFile(dir.resolve("model.safetensors"), tensors);
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
            writeFile(dir.resolve(name), part);
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode index = json.createObjectNode();
        index.putObject("metadata").put("total_size", 0);
        ObjectNode map = index.putObject("weight_map");
        weightMap.forEach(map::put);
        json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
    }

    private Tensor mlpTensor(String name, MlpMatrix m, int layer, Map<String, float[]> plantedVectors) {
        double neuronScale = UNIFORM_UNIT / Math.sqrt(dModel); // random neurons get norm ≈ 1
        List<Integer> here = new ArrayList<>(); // neurons planted in this tensor
        List<float[]> vectors = new ArrayList<>(); // (d_model) each
        for (PlantedNeuron p : planted) {
            if (p.matrix() == m && p.layer() == layer) {
                here.add(p.neuron());
                vectors.add(plantedVectors.get(key(p)));
            }
        }
        String stream = "mlp." + layer + "." + m.label();
        if (m.neuronIsRow()) {
            return new Tensor(name, new long[] {dMlp, dModel}, (row, dst) -> {
                fillUniform(stream, row, dst, neuronScale);
                for (int i = 0; i < here.size(); i++) {
                    if (here.get(i) == row) {
                        System.arraycopy(vectors.get(i), 0, dst, 0, dModel);
                    }
                }
            });
        }
        return new Tensor(name, new long[] {dModel, dMlp}, (row, dst) -> {
            fillUniform(stream, row, dst, neuronScale);
            for (int i = 0; i < here.size(); i++) {
                dst[here.get(i)] = vectors.get(i)[(int) row];
            }
        });
    }

    private Map<String, float[]> plantedVectors(TokenTable tokens) {
        Map<String, float[]> vectors = new LinkedHashMap<>();
        for (PlantedNeuron p : planted) {
            if (p.layer() >= layers || p.neuron() >= dMlp) {
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
            vectors.put(key(p), f);
        }
        return vectors;
    }

    private static String key(PlantedNeuron p) {
        return p.matrix() + "/" + p.layer() + "/" + p.neuron();
    }

    private void fillUniform(String stream, long row, float[] dst, double halfWidth) {
        new SeededRows(seed).fillUniform(stream, row, dst, halfWidth);
    }

    private void writeFile(Path file, List<Tensor> tensors) throws IOException {
        SafetensorsWriter writer = new SafetensorsWriter(file).metadata("format", "pt");
        for (Tensor t : tensors) {
            writer.add(t.name(), dtype, t.shape(), t.filler()::fill);
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
