package io.neuronatlas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import io.neuronatlas.checkpoint.tokenizer.PromptEncoder;
import io.neuronatlas.compute.forward.Clamp;
import io.neuronatlas.compute.forward.ClampScope;
import io.neuronatlas.compute.forward.ClampSweep;
import io.neuronatlas.compute.forward.ClampSweeper;
import io.neuronatlas.compute.forward.Clamps;
import io.neuronatlas.compute.forward.DecoderModel;
import io.neuronatlas.compute.forward.Generation;
import io.neuronatlas.compute.forward.GenerationOptions;
import io.neuronatlas.compute.forward.Generator;
import io.neuronatlas.compute.forward.NeuronRef;
import io.neuronatlas.compute.forward.Precision;
import io.neuronatlas.compute.forward.ValueRange;
import io.neuronatlas.testing.Cli;
import io.neuronatlas.testing.HfFixture;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * clamp and generate on families beyond Llama, as a user runs them: a multimodal Gemma-3 checkpoint's language model,
 * GPT-2 (a neuron of its ungated MLP named as the atlas names it, L1.up.5) and gpt-oss (an expert's neuron, L0.E2.3,
 * set wherever the expert processes a token); their numbers and text as the API computes them (which
 * HfLlamaFamilyTest checks against transformers).
 */
class FamilyCommandsTest {
    static final String PROMPT = "the brow";

    @ParameterizedTest
    @CsvSource({"gemma3, L1.up.5, L1.5", "gpt2, L1.up.5, L1.5", "gpt_oss, L0.E2.3, L0.e2.up.3"})
    void clampAndGenerate(String family, String sweptName, String clampedName) throws Exception {
        Path model = HfFixture.load(family).modelDir();
        NeuronRef neuron = NeuronRef.parse(sweptName);
        assertEquals(neuron, NeuronRef.parse(clampedName));
        Cli.Result clamp = Cli.run("clamp", "--model", model.toString(), "--neuron", sweptName, "--prompt", PROMPT,
                "--target", " the", "--values", "-4:4:3", "--format", "json");
        assertEquals(0, clamp.code(), clamp.err());
        List<JsonNode> rows = ForwardCommandsTest.jsonLines(clamp.out());
        Cli.Result generate = Cli.run("generate", "--model", model.toString(), "--prompt", PROMPT, "--clamp",
                clampedName + "=4", "--max-tokens", "4", "--temperature", "0", "--format", "json");
        assertEquals(0, generate.code(), generate.err());
        JsonNode generated = ForwardCommandsTest.jsonLines(generate.out()).get(0);
        try (DecoderModel m = DecoderModel.load(model, Device.cpu(), Precision.FP32);
             PromptEncoder encoder = PromptEncoder.open(model, 512)) {
            int[] ids = encoder.encode(PROMPT);
            ClampSweep expected = new ClampSweeper(m).sweep(ids, List.of(neuron),
                    new ValueRange(-4, 4, 3).values(), encoder.targetToken(" the"), ClampScope.ALL).get(0);
            assertEquals(3, rows.size(), clamp.out());
            for (int i = 0; i < 3; i++) {
                assertEquals(expected.points().get(i).stats().targetProb(), rows.get(i).get("target_prob")
                        .asDouble(), 1e-9, family + " value " + i);
            }
            GenerationOptions greedy = new GenerationOptions(1, 4, 0, 1, 0);
            Generation baseline = new Generator(m).generate(ids, Clamps.none(), greedy).get(0);
            Generation steered = new Generator(m).generate(ids, Clamps.of(ClampScope.ALL,
                    new Clamp(neuron, 4)), greedy).get(0);
            assertEquals(encoder.decode(baseline.tokens(), true), generated.get("baseline").asText(), family);
            assertEquals(encoder.decode(steered.tokens(), true), generated.get("steered").asText(), family);
        }
    }
}
