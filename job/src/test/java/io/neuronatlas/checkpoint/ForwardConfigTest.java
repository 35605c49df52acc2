package io.neuronatlas.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json fields of real Llama-family models, as a forward pass reads them. */
class ForwardConfigTest {
    @TempDir
    Path dir;

    private ForwardConfig read(String json) throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, json);
        return ForwardConfig.read(file);
    }

    private static String base(String modelType, String extra) {
        return "{\"model_type\": \"" + modelType + "\", \"hidden_size\": 2048, \"intermediate_size\": 8192, "
                + "\"num_hidden_layers\": 16, \"vocab_size\": 128256, \"num_attention_heads\": 32, "
                + "\"max_position_embeddings\": 131072" + extra + "}";
    }

    /** Llama-3.2-1B-Instruct's values. */
    @Test
    void llama32Instruct() throws IOException {
        ForwardConfig c = read(base("llama", ", \"num_key_value_heads\": 8, \"head_dim\": 64, \"rms_norm_eps\": 1e-05,"
                + " \"rope_theta\": 500000.0, \"rope_scaling\": {\"factor\": 32.0, \"high_freq_factor\": 4.0, "
                + "\"low_freq_factor\": 1.0, \"original_max_position_embeddings\": 8192, \"rope_type\": \"llama3\"},"
                + " \"bos_token_id\": 128000, \"eos_token_id\": [128001, 128008, 128009], \"attention_bias\": false,"
                + " \"hidden_act\": \"silu\", \"tie_word_embeddings\": true"));
        assertEquals(32, c.heads());
        assertEquals(8, c.kvHeads());
        assertEquals(4, c.queriesPerKvHead());
        assertEquals(64, c.headDim());
        assertEquals(1e-5, c.normEps());
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(RopeScaling.llama3(32, 1, 4, 8192), c.ropeScaling());
        assertEquals(131072, c.maxPositions());
        assertEquals(128000, c.bosTokenId());
        assertEquals(List.of(128001, 128008, 128009), c.eosTokenIds());
        assertEquals(Set.of(), c.biasedProjections());
        assertEquals(LlamaDecoderLayout.LLAMA, c.layout());
        assertTrue(c.model().tieWordEmbeddings());
    }

    @Test
    void defaultsAsTransformersLlamaConfig() throws IOException {
        ForwardConfig c = read(base("llama", ""));
        assertEquals(32, c.kvHeads());
        assertEquals(64, c.headDim());
        assertEquals(1e-6, c.normEps());
        assertEquals(10000.0, c.ropeTheta());
        assertEquals(RopeScaling.NONE, c.ropeScaling());
        assertEquals(-1, c.bosTokenId());
        assertEquals(List.of(), c.eosTokenIds());
        assertEquals(DecoderLayout.Activation.SILU, c.activation());
    }

    @Test
    void familyDifferences() throws IOException {
        assertEquals(EnumSet.of(AttentionProjection.Q, AttentionProjection.K, AttentionProjection.V),
                read(base("qwen2", ", \"sliding_window\": 4096, \"use_sliding_window\": false")).biasedProjections());
        assertEquals(131072, read(base("qwen2", ", \"sliding_window\": 4096")).maxPositions());
        ForwardConfig mistral = read(base("mistral", ", \"sliding_window\": 4096, \"attention_bias\": true"));
        assertEquals(Set.of(), mistral.biasedProjections());
        assertEquals(131072, mistral.maxPositions());
        assertEquals(new LayerAttention(4096, false), mistral.layerAttention().get(1));
        assertEquals(EnumSet.allOf(AttentionProjection.class),
                read(base("llama", ", \"attention_bias\": true")).biasedProjections());
        assertEquals(RopeScaling.linear(2), read(base("llama", ", \"rope_scaling\": {\"type\": \"linear\", "
                + "\"factor\": 2.0}")).ropeScaling());
        assertEquals(RopeScaling.NONE, read(base("llama", ", \"rope_scaling\": {\"rope_type\": \"default\"}"))
                .ropeScaling());
        assertEquals("model.layers.3.self_attn.k_proj.bias", LlamaDecoderLayout.QWEN2.attentionBias(
                AttentionProjection.K, 3));
        assertEquals("model.layers.0.post_attention_layernorm.weight", LlamaDecoderLayout.MISTRAL
                .postAttentionNorm(0));
    }

    /** transformers 5 writes rope_theta and the scaling inside rope_parameters (issue 22: read as theta 10000). */
    @Test
    void ropeParametersAsTransformers5WritesThem() throws IOException {
        ForwardConfig c = read(base("llama", ", \"rope_parameters\": {\"factor\": 32.0, \"high_freq_factor\": 4.0, "
                + "\"low_freq_factor\": 1.0, \"original_max_position_embeddings\": 8192, \"rope_theta\": 500000.0, "
                + "\"rope_type\": \"llama3\"}"));
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(RopeScaling.llama3(32, 1, 4, 8192), c.ropeScaling());
        ForwardConfig plain = read(base("llama", ", \"rope_parameters\": {\"rope_theta\": 1000000.0, "
                + "\"rope_type\": \"default\"}"));
        assertEquals(1000000.0, plain.ropeTheta());
        assertEquals(RopeScaling.NONE, plain.ropeScaling());
    }

    /**
     * A file that names no rope base gets its family's config class's default_theta, as transformers 5.18 reads it:
     * MixtralConfig 1e6; Gemma3TextConfig 1e6 for the global layers and 10,000 for the local ones, which are never
     * scaled (its convert_rope_params_to_dict puts rope_scaling on full_attention only); Llama 10,000.
     */
    @Test
    void familiesDefaultThetas() throws IOException {
        assertEquals(1_000_000.0, read(base("mixtral", ", \"num_local_experts\": 8")).ropeTheta());
        assertEquals(5e5, read(base("mixtral", ", \"num_local_experts\": 8, \"rope_theta\": 5e5")).ropeTheta());
        String gemma3 = ", \"head_dim\": 64, \"num_key_value_heads\": 8, \"sliding_window\": 512, "
                + "\"hidden_activation\": \"gelu_pytorch_tanh\", \"rope_scaling\": {\"rope_type\": \"linear\", "
                + "\"factor\": 8.0}";
        ForwardConfig g = read(base("gemma3_text", gemma3));
        assertEquals(1_000_000.0, g.ropeTheta());
        assertEquals(RopeScaling.linear(8), g.ropeScaling());
        assertEquals(10_000.0, g.localRope().theta());
        assertEquals(RopeScaling.NONE, g.localRope().scaling());
        assertEquals(10_000.0, read(base("llama", "")).ropeTheta());
    }

    /**
     * gpt-oss-20b's config.json (as transformers 4.55 wrote it: rope_scaling beside rope_theta) and GptOssConfig's
     * defaults where a file leaves a field out: sliding on even layers, biases on all four projections, eps 1e-5,
     * four experts a token, the experts' own gated unit whatever hidden_act says, rope_theta 150,000 and, without any
     * rope object, yarn as the published checkpoints have it.
     */
    @Test
    void gptOss() throws IOException {
        String experts = ", \"num_local_experts\": 32, \"num_key_value_heads\": 8, \"head_dim\": 64";
        ForwardConfig c = read(base("gpt_oss", experts + ", \"attention_bias\": true, \"rms_norm_eps\": 1e-05, "
                + "\"rope_theta\": 150000, \"rope_scaling\": {\"beta_fast\": 32.0, \"beta_slow\": 1.0, "
                + "\"factor\": 32.0, \"original_max_position_embeddings\": 4096, \"rope_type\": \"yarn\", "
                + "\"truncate\": false}, \"sliding_window\": 128, \"num_experts_per_tok\": 4, "
                + "\"swiglu_limit\": 7.0, \"hidden_act\": \"silu\", \"layer_types\": [\"sliding_attention\", "
                + "\"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", "
                + "\"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", "
                + "\"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", "
                + "\"full_attention\", \"sliding_attention\", \"full_attention\"]"));
        assertEquals(MoeDecoderLayout.GPT_OSS, c.layout());
        assertEquals(150000.0, c.ropeTheta());
        assertEquals(new RopeScaling.Yarn(32, 4096, 32, 1, 0.1 * Math.log(32) + 1, false), c.ropeScaling());
        assertEquals(DecoderLayout.Activation.CLAMPED_SWIGLU, c.activation());
        assertEquals(new Routing(4, false, false), c.block().routing());
        assertEquals(EnumSet.allOf(AttentionProjection.class), c.biasedProjections());
        List<LayerAttention> alternating = new java.util.ArrayList<>();
        for (int l = 0; l < 16; l++) {
            alternating.add(l % 2 == 0 ? new LayerAttention(128, false) : LayerAttention.FULL);
        }
        assertEquals(alternating, c.layerAttention());

        ForwardConfig defaults = read(base("gpt_oss", experts + ", \"sliding_window\": 64"));
        assertEquals(150000.0, defaults.ropeTheta());
        assertEquals(new RopeScaling.Yarn(32, 4096, 32, 1, 0.1 * Math.log(32) + 1, false), defaults.ropeScaling());
        ForwardConfig linear = read(base("gpt_oss", experts + ", \"rope_scaling\": {\"rope_type\": \"linear\", "
                + "\"factor\": 2.0}"));
        assertEquals(150000.0, linear.ropeTheta());
        assertEquals(RopeScaling.linear(2), linear.ropeScaling());
        assertEquals(1e-5, defaults.normEps());
        assertEquals(EnumSet.allOf(AttentionProjection.class), defaults.biasedProjections());
        assertEquals(new Routing(4, false, false), defaults.block().routing());
        assertEquals(new LayerAttention(64, false), defaults.layerAttention().get(14));
        assertEquals(LayerAttention.FULL, defaults.layerAttention().get(15));
        assertEquals(Set.of(), read(base("gpt_oss", experts + ", \"attention_bias\": false")).biasedProjections());
    }

    @Test
    void errorsNameTheFileAndField() throws IOException {
        String file = dir.resolve("config.json").toString();
        String[][] cases = {
            {base("falcon", ""), "no forward pass yet for model_type 'falcon' (supported: llama, mistral, qwen2, "
                + "qwen3, olmo2, gemma, gemma2, gemma3, gemma3_text, gpt2, gpt_neox, phi3, mixtral, qwen2_moe, "
                + "qwen3_moe, gpt_oss)"},
            {base("llama", ", \"num_key_value_heads\": 5"), "num_key_value_heads=5", "num_attention_heads=32"},
            {base("llama", ", \"head_dim\": 63"), "head_dim", "63"},
            {base("llama", ", \"rope_scaling\": {\"rope_type\": \"proportional\", \"factor\": 2.0}"),
                "'rope_scaling.rope_type' is 'proportional'", "default, linear, dynamic, yarn, longrope, llama3"},
            {base("llama", ", \"rope_parameters\": {\"rope_type\": \"mrope\", \"rope_theta\": 1e6}"),
                "'rope_parameters.rope_type' is 'mrope'"},
            {base("llama", ", \"rope_scaling\": {\"rope_type\": \"longrope\", \"short_factor\": [1, 2], "
                + "\"long_factor\": [1, 3], \"original_max_position_embeddings\": 4096}"),
                "longrope's short_factor and long_factor have 2 factors", "which need 32"},
            {base("llama", ", \"rope_parameters\": {\"full_attention\": {\"rope_type\": \"default\"}, "
                + "\"sliding_attention\": {\"rope_type\": \"default\"}}"), "'rope_parameters' is nested by layer type"},
            {base("llama", ", \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 4,"
                + " \"high_freq_factor\": 1, \"original_max_position_embeddings\": 8192}"), "low_freq_factor",
                "high_freq_factor"},
            {base("llama", ", \"rope_scaling\": \"llama3\""), "rope_scaling must be an object"},
            {base("llama", ", \"eos_token_id\": [1, 999999]"), "eos_token_id 999999", "[0, 128256)"},
            {base("llama", ", \"rms_norm_eps\": \"small\""), "'rms_norm_eps' must be a number"},
            {base("llama", ", \"rope_theta\": -1"), "rope_theta must be a positive number"},
            {base("llama", ", \"num_attention_heads\": null"), "'num_attention_heads' is missing"},
        };
        for (String[] c : cases) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> read(c[0]), c[1]);
            assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
            for (int i = 1; i < c.length; i++) {
                assertTrue(e.getMessage().contains(c[i]), "'" + c[i] + "' missing from " + e.getMessage());
            }
        }
    }
}
