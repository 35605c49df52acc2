package io.neuronatlas.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.checkpoint.safetensors.SafetensorsFile;
import io.neuronatlas.checkpoint.safetensors.TensorInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A tiny random Hugging Face model and transformers' own outputs for it, made by tools/hf-fixtures/make_fixtures.py
 * under src/test/resources/hf/&lt;name&gt; (docs/forward-reference.md says what each reference is):
 * {@code HfFixture.load("qwen3").logits(0)} is transformers' fp32 logits of prompt 0 at every position.
 *
 * <p>Prompts are token ids; the tokenizer.json beside the model is for the map and for reading, not needed to feed
 * them. Tensors are read when asked for; a fixture is cheap to load.
 */
public final class HfFixture {
    /** Where the fixtures are, on the test classpath. */
    public static final String ROOT = "hf";

    /** config.json as each transformers major version writes it; the weights are the same. */
    public enum Spelling {
        /** rope_parameters, num_local_experts, dtype: save_pretrained of transformers 5 (config.json). */
        TRANSFORMERS_5("config.json"),
        /** rope_scaling + rope_theta, num_experts, torch_dtype, rotary_pct ... (config.v4.json). */
        TRANSFORMERS_4("config.v4.json");

        private final String file;

        Spelling(String file) {
            this.file = file;
        }
    }

    /** One clamp transformers ran: neuron of layer's MLP held at value at every position where that MLP runs. */
    public record Clamp(int layer, String expert, int neuron, double value) {
        /** "L0.5", "L1.E3.7", "L1.shared.5": for messages. */
        public String label() {
            return "L" + layer + (expert == null ? "" : expert.equals("shared") ? ".shared" : ".E" + expert) + "."
                    + neuron;
        }
    }

    /** Neurons of one MLP whose activations (the down projection's input) were recorded. */
    public record Site(int layer, String expert, int[] neurons) {
    }

    private final String name;
    private final Path dir;
    private final JsonNode refs;

    private HfFixture(String name, Path dir, JsonNode refs) {
        this.name = name;
        this.dir = dir;
        this.refs = refs;
    }

    /** The fixture hf/&lt;name&gt;: a family ("qwen3", "gpt_oss") or a llama rope variant ("llama-yarn"). */
    public static HfFixture load(String name) {
        Path dir = root().resolve(name);
        Path json = dir.resolve("references.json");
        if (!Files.isRegularFile(json)) {
            throw new IllegalArgumentException("no fixture '" + name + "' under " + root() + " (have " + names()
                    + "); tools/hf-fixtures/make_fixtures.py makes them");
        }
        try {
            return new HfFixture(name, dir, new ObjectMapper().readTree(json.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(json + ": " + e.getMessage(), e);
        }
    }

    /** Every fixture's name, sorted. */
    public static List<String> names() {
        try (Stream<Path> dirs = Files.list(root())) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("references.json")))
                    .map(d -> d.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path root() {
        URL url = HfFixture.class.getClassLoader().getResource(ROOT);
        if (url == null) {
            throw new IllegalStateException("no " + ROOT + "/ on the test classpath (src/test/resources/hf)");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public String name() {
        return name;
    }

    /** The model folder with config.json as transformers 5 wrote it. */
    public Path modelDir() {
        return dir;
    }

    /**
     * A model folder with config.json spelled as that transformers version writes it. TRANSFORMERS_4 copies the
     * folder into {@code scratch} (a test's @TempDir) with config.v4.json as its config.json.
     */
    public Path modelDir(Spelling spelling, Path scratch) {
        if (spelling == Spelling.TRANSFORMERS_5) {
            return dir;
        }
        Path copy = scratch.resolve(name + "-v4");
        try {
            Files.createDirectories(copy);
            for (String file : List.of("model.safetensors", "tokenizer.json")) {
                Files.copy(dir.resolve(file), copy.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
            Files.copy(dir.resolve(spelling.file), copy.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return copy;
    }

    /** The model class transformers ran, e.g. "Qwen3MoeForCausalLM". */
    public String modelClass() {
        return refs.get("model_class").asText();
    }

    public int promptCount() {
        return refs.get("prompts").size();
    }

    /** Prompt i's token ids. */
    public int[] prompt(int i) {
        return ints(refs.get("prompts").get(i));
    }

    /** Every prompt's token ids; prompt 0 fits every sliding window and original context, the last does not. */
    public int[][] prompts() {
        int[][] all = new int[promptCount()][];
        for (int i = 0; i < all.length; i++) {
            all[i] = prompt(i);
        }
        return all;
    }

    /** transformers' logits of prompt i: (positions, vocab), row t predicting the token after position t. */
    public float[][] logits(int prompt) {
        return matrix("logits." + prompt);
    }

    /** The clamps transformers ran, one per kind of MLP the model has (dense, routed expert, shared expert). */
    public List<Clamp> clamps() {
        List<Clamp> clamps = new ArrayList<>();
        for (JsonNode c : refs.get("clamps")) {
            clamps.add(new Clamp(c.get("layer").asInt(), expert(c.get("expert")), c.get("neuron").asInt(),
                    c.get("value").asDouble()));
        }
        return clamps;
    }

    /** The first clamp: the dense MLP's where the model has one, else a routed expert's. */
    public Clamp clamp() {
        return clamps().get(0);
    }

    /** transformers' logits of prompt i with clamp c applied at every position: (positions, vocab). */
    public float[][] clampedLogits(int clamp, int prompt) {
        return matrix("clamp" + clamp + ".logits." + prompt);
    }

    /** The greedy continuation of prompt i: argmax tokens, one forward per token with the KV cache, no eos stop. */
    public int[] greedy(int prompt) {
        return ints(refs.get("greedy").get(prompt));
    }

    /** The MLPs whose activations were recorded: every layer's dense MLP, or every expert of a mixture layer. */
    public List<Site> sites() {
        List<Site> sites = new ArrayList<>();
        for (JsonNode s : refs.get("activations")) {
            sites.add(new Site(s.get("layer").asInt(), expert(s.get("expert")), ints(s.get("neurons"))));
        }
        return sites;
    }

    /**
     * The activations (input of the down projection) of site s's neurons on prompt i: (positions, neurons), NaN at
     * positions whose token the site's expert did not process.
     */
    public float[][] activations(int site, int prompt) {
        return matrix("act" + site + "." + prompt);
    }

    /**
     * transformers' rotary table of one call over positions 0..length-1 ("cos", "sin"): (length, rotary_dim), the
     * attention factor included; with {@code step}, the table of position {@code length} alone, the next decoding
     * step after such a call. layerType: null, or "sliding_attention"/"full_attention" for Gemma 3. gpt-oss's module
     * returns only the first half of the rotate_half table (rotary_dim / 2 columns), the frequencies once.
     */
    public float[][] rope(String layerType, String table, int length, boolean step) {
        return matrix("rope." + (layerType == null ? "" : layerType + ".") + table + "." + length
                + (step ? "+1" : ""));
    }

    /**
     * The layer types with a rotary table of their own ("full_attention", "sliding_attention": Gemma 3), a list of
     * one null for a model with one rope, empty for a model without rotary embeddings (GPT-2).
     */
    public List<String> ropeLayerTypes() {
        List<String> types = new ArrayList<>();
        for (String tensor : tensorNames()) {
            String[] parts = tensor.split("\\.");
            if (parts[0].equals("rope")) {
                String type = parts[1].equals("cos") || parts[1].equals("sin") ? null : parts[1];
                if (!types.contains(type)) {
                    types.add(type);
                }
            }
        }
        return types;
    }

    /** max |actual − expected| / max |expected|: the error relative to the scale of the row. */
    public static double relativeError(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            throw new IllegalArgumentException(actual.length + " values, expected " + expected.length);
        }
        double maxDiff = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return maxDiff / scale;
    }

    /** softmax of a row, in double. */
    public static double[] probabilities(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] p = new double[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private List<String> tensorNames() {
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("references.safetensors"))) {
            return List.copyOf(f.tensors().keySet());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private float[][] matrix(String tensor) {
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("references.safetensors"))) {
            TensorInfo info = f.tensor(tensor);
            long[] shape = info.shape();
            if (shape.length != 2) {
                throw new IllegalStateException(name + ": " + tensor + " has shape " + java.util.Arrays.toString(
                        shape) + ", expected 2 dimensions");
            }
            int rows = Math.toIntExact(shape[0]);
            int cols = Math.toIntExact(shape[1]);
            float[] flat = f.readVector(tensor);
            float[][] out = new float[rows][cols];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(flat, r * cols, out[r], 0, cols);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": " + tensor + ": " + e.getMessage(), e);
        }
    }

    /** null (dense), a routed expert's index as the atlas writes it ("3"), or "shared". */
    private static String expert(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    @Override
    public String toString() {
        return "HfFixture[" + name + "]";
    }
}
