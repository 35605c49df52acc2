package io.neuronatlas.testing;

import io.neuronatlas.checkpoint.RopeScaling;
import io.neuronatlas.checkpoint.safetensors.DType;
import io.neuronatlas.checkpoint.synthetic.SyntheticDecoder;
import io.neuronatlas.checkpoint.synthetic.SyntheticDecoder.CausalNeuron;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A small Llama-family checkpoint with a planted causal neuron (layer 2, neuron 40 reads "?" and writes " dog"),
 * mapped into an atlas, and prompts that drive the neuron: what the validate, clamp and generate tests run on. The
 * synthetic tokenizer has no merges, so text is encoded character by character: the trigger is a single character,
 * which every prompt ends with.
 */
public final class Validations {
    public static final CausalNeuron PLANTED = new CausalNeuron(2, 40, "?", " dog", 1.0, 0.5);
    /** Both end in the trigger "?". */
    public static final List<String> PROMPTS = List.of("What is your favourite animal?", "Which pet barks?");

    /**
     * @param model   the checkpoint folder (its name, "tiny-dog", is the checkpoint's name in the atlas)
     * @param atlas   the atlas it was mapped into
     * @param prompts a --prompts file with {@link #PROMPTS}
     */
    public record Fixture(Path model, Path atlas, Path prompts, SyntheticDecoder.Written written) {
    }

    private Validations() {
    }

    /** The decoder: 4 layers, grouped-query attention, untied head, F32; small enough for a test's second. */
    public static SyntheticDecoder decoder() {
        return new SyntheticDecoder().modelType("llama").layers(4).dModel(64).dMlp(96).heads(4, 2).vocab(512)
                .dtype(DType.F32).rope(10000, RopeScaling.NONE).seed(7).plant(PLANTED);
    }

    private static Fixture shared;

    /**
     * One fixture for the test JVM, written and mapped on first use (the map is most of its cost) and deleted when
     * the JVM ends. Tests that share it write different tables or subjects.
     */
    public static synchronized Fixture shared() throws IOException {
        if (shared == null) {
            Path dir = Files.createTempDirectory("neuron-atlas-validations");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            shared = write(dir);
        }
        return shared;
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // the temporary folder stays; nothing else depends on it
        }
    }

    /** Writes the checkpoint and the prompts under dir and maps the checkpoint into dir/atlas. */
    public static Fixture write(Path dir) throws IOException {
        Path model = dir.resolve("tiny-dog");
        SyntheticDecoder.Written written = decoder().write(model);
        Path atlas = dir.resolve("atlas");
        Maps.of(model, atlas).run();
        Path prompts = dir.resolve("prompts.txt");
        Files.writeString(prompts, String.join("\n", PROMPTS) + "\n");
        return new Fixture(model, atlas, prompts, written);
    }
}
