package io.neuronatlas.compute.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.neuronatlas.checkpoint.CheckpointException;
import io.neuronatlas.checkpoint.ModelConfig;
import io.neuronatlas.testing.HfFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every bad input fails before any computation with a message naming the option, token or field at fault. */
@ExtendWith(OneTorchThread.class)
class ForwardBadInputTest {
    private static final ModelConfig CONFIG = new ModelConfig("llama", 64, 96, 3, 300, false, "float32");

    @TempDir
    Path dir;

    private static String message(Class<? extends Throwable> type, Executable call) {
        return assertThrows(type, call).getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "'" + part + "' missing from: " + message);
        }
    }

    @Test
    void neuronsOutOfRangeOrMalformed() {
        assertMentions(message(IllegalArgumentException.class, () -> NeuronRef.parse("L3.5", CONFIG)),
                "L3.5", "num_hidden_layers=3", "layers 0-2", "numbered from 0");
        assertMentions(message(IllegalArgumentException.class, () -> NeuronRef.parse("L2.up.96", CONFIG)),
                "L2.96", "intermediate_size=96");
        assertMentions(message(IllegalArgumentException.class, () -> NeuronRef.parse("L2-96")),
                "'L2-96'", "L<layer>.<index>", "L25.up.1442");
        assertMentions(message(IllegalArgumentException.class, () -> NeuronRef.parse("L2.out.9")), "'L2.out.9'");
        assertEquals(new NeuronRef(25, 1442), NeuronRef.parse("L25.up.1442"));
        assertEquals(new NeuronRef(25, 1442), NeuronRef.parse(" L25.1442 "));
        assertEquals("L25.1442", NeuronRef.parse("L25.down.1442").label());
    }

    @Test
    void malformedValueRanges() {
        for (String bad : List.of("-500:500", "-500:500:41:2", "-500:x:41", "a:b:3", "-500:500:4.5", "1:2:1",
                "5:5:0", "0:1:10001", "", "-inf:0:3")) {
            assertMentions(message(IllegalArgumentException.class, () -> ValueRange.parse("--values", bad)),
                    "--values", "'" + bad + "'");
        }
        assertArrayEquals(new double[] {-500, -475, -450}, java.util.Arrays.copyOf(
                ValueRange.parse("--values", "-500:500:41").values(), 3));
        double[] v = ValueRange.parse("--values", "-500:500:41").values();
        assertEquals(41, v.length);
        assertEquals(500, v[40]);
        assertEquals(0, v[20]);
        assertArrayEquals(new double[] {7}, ValueRange.parse("--values", "7:7:1").values());
        assertArrayEquals(new double[] {1, 0.5, 0}, ValueRange.parse("--values", "1:0:3").values());
    }

    @Test
    void clampsScopesAndGenerationOptions() {
        assertMentions(message(IllegalArgumentException.class, () -> Clamp.parse("L1.5", CONFIG)), "--clamp",
                "'L1.5'", "NEURON=VALUE");
        assertMentions(message(IllegalArgumentException.class, () -> Clamp.parse("L1.5=lots", CONFIG)), "--clamp",
                "'lots'");
        assertMentions(message(IllegalArgumentException.class, () -> Clamp.parse("L9.5=1", CONFIG)), "L9.5",
                "num_hidden_layers=3");
        assertEquals(new Clamp(new NeuronRef(1, 5), 145), Clamp.parse("L1.up.5=145", CONFIG));
        assertMentions(message(IllegalArgumentException.class, () -> Clamps.of(ClampScope.ALL,
                new Clamp(new NeuronRef(1, 5), 1), new Clamp(new NeuronRef(1, 5), 2))), "--clamp", "L1.5", "twice");
        assertMentions(message(IllegalArgumentException.class, () -> ClampScope.parse("first")), "--scope",
                "'first'");
        assertEquals(ClampScope.LAST, ClampScope.parse("Last"));
        assertMentions(message(IllegalArgumentException.class, () -> new GenerationOptions(0, 5, 1, 1, 1)),
                "--samples");
        assertMentions(message(IllegalArgumentException.class, () -> new GenerationOptions(1, 0, 1, 1, 1)),
                "--max-tokens");
        assertMentions(message(IllegalArgumentException.class, () -> new GenerationOptions(1, 5, -1, 1, 1)),
                "--temperature");
        assertMentions(message(IllegalArgumentException.class, () -> new GenerationOptions(1, 5, 1, 0, 1)),
                "--top-p");
        assertMentions(message(IllegalArgumentException.class, () -> Precision.parse("bf16")), "fp32 or fp16",
                "'bf16'");
    }

    @Test
    void promptsLongerThanTheContextAndIdsOutsideTheVocabulary() throws Exception {
        Models.llama().maxPositions(16).write(dir);
        try (DecoderModel model = Models.load(dir)) {
            int[] seventeen = new int[17];
            int[] ten = new int[10];
            assertMentions(message(IllegalArgumentException.class, () -> new ForwardPass(model)
                    .nextToken(seventeen, Clamps.none(), 1)), "17 tokens", "max_position_embeddings=16");
            assertMentions(message(IllegalArgumentException.class, () -> new ClampSweeper(model)
                    .prefix(seventeen, List.of(new NeuronRef(0, 0)))), "max_position_embeddings=16");
            assertMentions(message(IllegalArgumentException.class, () -> new Generator(model)
                    .generate(ten, Clamps.none(), new GenerationOptions(1, 10, 0, 1, 1))), "10 tokens",
                    "generating 10 more needs 19 positions", "max_position_embeddings=16");
            assertMentions(message(IllegalArgumentException.class, () -> new ForwardPass(model)
                    .nextToken(new int[] {1, 300}, Clamps.none(), 1)), "token id 300", "vocab_size");
            assertMentions(message(IllegalArgumentException.class, () -> new ForwardPass(model)
                    .nextToken(new int[] {1, 2}, Clamps.none(), -1)), "target token id -1");
            assertMentions(message(IllegalArgumentException.class, () -> new ForwardPass(model)
                    .nextToken(new int[0], Clamps.none(), 1)), "empty");
            assertMentions(message(IllegalArgumentException.class, () -> new ForwardPass(model)
                    .nextToken(new int[] {1}, Clamps.of(ClampScope.ALL, new Clamp(new NeuronRef(5, 1), 1)), 1)),
                    "L5.1", "num_hidden_layers=3");
        }
    }

    @Test
    void architecturesWithoutAForwardPass() throws Exception {
        Models.llama().write(dir);
        editConfig(c -> c.put("model_type", "falcon"));
        assertMentions(message(CheckpointException.class, () -> Models.load(dir)), "config.json",
                "no forward pass yet for model_type 'falcon' (supported: llama, mistral, qwen2, qwen3, olmo2,",
                "qwen3_moe, gpt_oss)");
    }

    /**
     * A sequence longer than max_position_embeddings is refused whatever the rope type, dynamic NTK (which would
     * stretch the context) and learned positions included; one exactly that long runs. Prompt and generated tokens
     * count alike (the last generated token is never fed back).
     */
    @Test
    void everyRopeTypeRefusesSequencesPastMaxPositions() throws Exception {
        for (String name : List.of("llama", "llama-linear", "llama-dynamic", "llama-yarn", "llama-longrope",
                "llama-llama3", "gemma3_text", "gpt2", "gpt_oss")) {
            try (DecoderModel model = DecoderModel.load(HfFixture.load(name).modelDir(), Device.cpu(),
                    Precision.FP32)) {
                int max = model.config().maxPositions();
                String limit = "max_position_embeddings=" + max;
                ForwardPass pass = new ForwardPass(model);
                assertEquals(1, pass.nextTokenLogits(new int[][] {new int[max]}, Clamps.none()).length, name);
                assertMentions(message(IllegalArgumentException.class, () -> pass.nextTokenLogits(
                        new int[][] {new int[max + 1]}, Clamps.none())), "the prompt has " + (max + 1), limit);
                GenerationOptions twoMore = new GenerationOptions(1, 2, 0, 1, 0);
                assertMentions(message(IllegalArgumentException.class, () -> new Generator(model)
                        .generate(new int[max], Clamps.none(), twoMore)), "generating 2 more needs "
                        + (max + 1) + " positions", limit);
            }
        }
    }

    @Test
    void configFieldsWithoutAForwardPass() throws Exception {
        Models.llama().write(dir);
        editConfig(c -> c.putObject("rope_scaling").put("rope_type", "proportional").put("factor", 4.0));
        assertMentions(message(CheckpointException.class, () -> Models.load(dir)), "config.json",
                "'rope_scaling.rope_type' is 'proportional'", "default, linear, dynamic, yarn, longrope, llama3");
        editConfig(c -> c.putObject("rope_scaling").put("type", "llama3").put("factor", 8.0));
        assertMentions(message(CheckpointException.class, () -> Models.load(dir)), "config.json",
                "'rope_scaling.low_freq_factor' is missing");
        editConfig(c -> c.putNull("rope_scaling").put("num_key_value_heads", 3));
        assertMentions(message(CheckpointException.class, () -> Models.load(dir)), "config.json",
                "num_key_value_heads=3", "num_attention_heads=4");
        editConfig(c -> c.put("num_key_value_heads", 2).put("hidden_act", "xielu"));
        assertMentions(message(CheckpointException.class, () -> Models.load(dir)), "hidden_act 'xielu'");
        editConfig(c -> c.put("hidden_act", "silu").put("mlp_bias", true));
        assertMentions(message(CheckpointException.class, () -> Models.load(dir)), "mlp_bias");
        editConfig(c -> c.put("mlp_bias", false).remove("max_position_embeddings"));
        assertMentions(message(CheckpointException.class, () -> Models.load(dir)), "'max_position_embeddings' is "
                + "missing");
        editConfig(c -> c.put("max_position_embeddings", 64).put("head_dim", 32));
        assertMentions(message(CheckpointException.class, () -> Models.load(dir)),
                "model.layers.0.self_attn.q_proj.weight", "model.safetensors", "[64, 64]", "[128, 64]",
                "head_dim=32");
        editConfig(c -> c.remove("head_dim"));
        try (DecoderModel model = Models.load(dir)) {
            assertEquals(16, model.config().headDim());
        }
    }

    @Test
    void halfPrecisionIsForGpus() throws Exception {
        Models.llama().write(dir);
        assertMentions(message(IllegalArgumentException.class, () -> DecoderModel.load(dir, Device.cpu(),
                Precision.FP16)), "fp16", "cpu()", "fp32");
    }

    private void editConfig(Consumer<ObjectNode> edit) throws IOException {
        Path file = dir.resolve("config.json");
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(Files.readString(file));
        edit.accept(root);
        json.writeValue(file.toFile(), root);
    }
}
