package io.neuronatlas.checkpoint;

import io.neuronatlas.checkpoint.safetensors.WeightFiles;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * Gemma, Gemma-2 and Gemma-3: Llama's MLP names under a prefix, a head tied to the embedding, and an RMSNorm that
 * scales by (1 + w) (GemmaRMSNorm: {@code output * (1.0 + self.weight.float())}), so the stored weight is an offset
 * from 1. Gemma-2 and Gemma-3 may cap their logits, c·tanh(s/c) with c = final_logit_softcapping (Gemma-2's config
 * class defaults it to 30.0, Gemma-3's to none).
 *
 * <p>A multimodal Gemma-3 checkpoint (model_type gemma3, Gemma3ForConditionalGeneration) keeps the text model's shape
 * in config.json's text_config and its tensors under language_model.model. (as published) or model.language_model.
 * (as transformers 4.52 and later save it); {@link #bind} finds which.
 *
 * @param prefix where the text model's layers, embedding and norm are: "model." for the text-only model types
 * @param lmHead the untied head's name (the tied embedding is used when it is absent, which is the rule for Gemma)
 */
public record GemmaArchitecture(String prefix, String lmHead) implements Architecture {
    /** gemma, gemma2, gemma3_text: Gemma*ForCausalLM. */
    public static final GemmaArchitecture TEXT = new GemmaArchitecture("model.", "lm_head.weight");
    static final String MULTIMODAL = "gemma3";
    /** Gemma3ForConditionalGeneration's text model, in the two spellings of its checkpoints: prefix, head. */
    private static final List<GemmaArchitecture> MULTIMODAL_LAYOUTS = List.of(
            new GemmaArchitecture("language_model.model.", "language_model.lm_head.weight"),
            new GemmaArchitecture("model.language_model.", "lm_head.weight"));
    /** Gemma3TextConfig's vocab_size, which published multimodal configs leave out of text_config. */
    static final int GEMMA3_VOCAB = 262_208;

    @Override
    public Set<String> modelTypes() {
        return Set.of("gemma", "gemma2", "gemma3_text", MULTIMODAL);
    }

    @Override
    public String description() {
        return "Gemma family: gated MLP of nn.Linear gate_proj, up_proj, down_proj under " + prefix
                + "; head tied to the embedding";
    }

    @Override
    public ModelConfig readConfig(ConfigFile config) throws CheckpointException {
        String type = config.modelType();
        ConfigFile text = type.equals(MULTIMODAL) ? config.section("text_config", "a multimodal Gemma-3 checkpoint "
                + "describes its text model there, and without one there is no text model to map") : config;
        int vocab = type.equals("gemma") || type.equals("gemma2") ? text.integer("vocab_size")
                : text.integer("vocab_size", GEMMA3_VOCAB);
        double softcap = type.equals("gemma") ? 0 : text.number("final_logit_softcapping",
                type.equals("gemma2") ? 30.0 : 0, 0);
        return new ModelConfig(type, text.integer("hidden_size"), text.integer("intermediate_size"),
                text.integer("num_hidden_layers"), vocab, text.bool("tie_word_embeddings", true), config.dtype(),
                Experts.NONE, softcap, text.text("hidden_activation", text.text("hidden_act", "gelu_pytorch_tanh")));
    }

    @Override
    public Architecture bind(ModelConfig config, WeightFiles weights) throws IOException {
        if (!config.modelType().equals(MULTIMODAL)) {
            return TEXT;
        }
        for (GemmaArchitecture layout : MULTIMODAL_LAYOUTS) {
            if (weights.find(layout.embedTokens()).isPresent()) {
                return layout;
            }
        }
        throw new CheckpointException(weights.modelDir() + ": a multimodal Gemma-3 checkpoint (model_type gemma3) "
                + "without a text model: none of " + MULTIMODAL_LAYOUTS.stream().map(GemmaArchitecture::embedTokens)
                .toList() + " is in the safetensors files " + weights.files());
    }

    @Override
    public NeuronSource neurons(ModelConfig config, MlpMatrix matrix, int layer, MlpBlock block) {
        String field = config.modelType().equals(MULTIMODAL) ? "text_config." : "";
        return NeuronSource.linear(prefix + "layers." + layer + ".mlp." + matrix.label() + "_proj.weight", matrix,
                config.dModel(), block.width(), field + "hidden_size=" + config.dModel() + ", " + field
                        + "intermediate_size=" + block.width());
    }

    @Override
    public String embedTokens() {
        return prefix + "embed_tokens.weight";
    }

    @Override
    public String finalNorm() {
        return prefix + "norm.weight";
    }

    @Override
    public List<DecoderLayout> decoders() {
        return modelTypes().stream().sorted().map(t -> (DecoderLayout) new GemmaDecoderLayout(t, prefix)).toList();
    }

    @Override
    public NormKind norm() {
        return NormKind.RMS_PLUS_ONE;
    }
}
