package io.neuronatlas.checkpoint;

import io.neuronatlas.checkpoint.safetensors.WeightFiles;
import java.util.List;
import java.util.Set;

/**
 * GPT-2: an MLP that is not gated, c_fc then c_proj, both Conv1D layers that store their weight [in, out] (the
 * transpose of nn.Linear): mlp.c_fc.weight is [n_embd, n_inner], so a neuron's reading vector is a column (the atlas
 * calls it "up"); mlp.c_proj.weight is [n_inner, n_embd], so what a neuron writes is a row ("down"). n_inner null
 * means 4·n_embd. The head is tied to wte; the final norm ln_f is a LayerNorm with a bias. The openai-community
 * checkpoints name tensors without the GPT2LMHeadModel's "transformer." prefix, checkpoints saved from a
 * GPT2LMHeadModel with it; {@link #bind} finds which.
 *
 * @param prefix "" or "transformer."
 */
public record Gpt2Architecture(String prefix) implements Architecture {
    public static final Gpt2Architecture UNPREFIXED = new Gpt2Architecture("");
    static final Gpt2Architecture PREFIXED = new Gpt2Architecture("transformer.");

    @Override
    public Set<String> modelTypes() {
        return Set.of("gpt2");
    }

    @Override
    public String description() {
        return "GPT-2: MLP not gated, Conv1D c_fc (up) and c_proj (down) stored [in, out]";
    }

    @Override
    public ModelConfig readConfig(ConfigFile config) throws CheckpointException {
        // GPT2Config's attribute_map: hidden_size and num_hidden_layers are accepted for n_embd and n_layer
        int dModel = config.integer(config.spelling("n_embd", "hidden_size"));
        return new ModelConfig(config.modelType(), dModel, config.integer("n_inner", 4 * dModel),
                config.integer(config.spelling("n_layer", "num_hidden_layers")), config.integer("vocab_size"), config.bool("tie_word_embeddings", true),
                config.dtype(), Experts.NONE, 0, config.text("activation_function", "gelu_new"));
    }

    @Override
    public Architecture bind(ModelConfig config, WeightFiles weights) {
        return weights.find(PREFIXED.embedTokens()).isPresent() ? PREFIXED : UNPREFIXED;
    }

    @Override
    public List<MlpMatrix> matrices() {
        return List.of(MlpMatrix.UP, MlpMatrix.DOWN);
    }

    @Override
    public NeuronSource neurons(ModelConfig config, MlpMatrix matrix, int layer, MlpBlock block) {
        String name = prefix + "h." + layer + ".mlp." + (matrix == MlpMatrix.UP ? "c_fc" : "c_proj") + ".weight";
        return NeuronSource.conv1d(name, matrix, config.dModel(), block.width(),
                "n_embd=" + config.dModel() + ", n_inner=" + block.width());
    }

    @Override
    public String lmHead() {
        return "lm_head.weight";
    }

    @Override
    public String embedTokens() {
        return prefix + "wte.weight";
    }

    @Override
    public String finalNorm() {
        return prefix + "ln_f.weight";
    }

    @Override
    public String finalNormBias() {
        return prefix + "ln_f.bias";
    }

    @Override
    public List<DecoderLayout> decoders() {
        return List.of(new Gpt2DecoderLayout(prefix));
    }

    @Override
    public NormKind norm() {
        return NormKind.LAYER_NORM;
    }
}
