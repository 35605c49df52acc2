package io.neuronatlas.checkpoint;

import java.util.List;
import java.util.Set;

/**
 * Hugging Face's Llama naming, which Mistral, Qwen2, Qwen3 and OLMo-2 share: a gated SiLU MLP of three nn.Linear
 * matrices (model.layers.{l}.mlp.{gate,up,down}_proj.weight), an RMSNorm model.norm and an untied lm_head unless
 * tie_word_embeddings. Qwen3's q/k norms and OLMo-2's post-norms sit in attention and around the MLP, not in what the
 * map reads.
 */
public final class LlamaArchitecture extends LlamaHeadArchitecture {
    public static final LlamaArchitecture INSTANCE = new LlamaArchitecture();
    private static final long serialVersionUID = 1L;

    private LlamaArchitecture() {
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of("llama", "mistral", "qwen2", "qwen3", "olmo2");
    }

    @Override
    public String description() {
        return "Llama family: gated MLP of nn.Linear gate_proj, up_proj, down_proj";
    }

    @Override
    public ModelConfig readConfig(ConfigFile config) throws CheckpointException {
        return ModelConfig.standard(config, false, "silu", Experts.NONE, 0);
    }

    /** The tensor of one matrix of layer l. */
    public String mlpWeight(MlpMatrix matrix, int layer) {
        return "model.layers." + layer + ".mlp." + matrix.label() + "_proj.weight";
    }

    @Override
    public NeuronSource neurons(ModelConfig config, MlpMatrix matrix, int layer, MlpBlock block) {
        return NeuronSource.linear(mlpWeight(matrix, layer), matrix, config.dModel(), block.width(),
                "hidden_size=" + config.dModel() + ", intermediate_size=" + block.width());
    }

    /** Llama, Mistral, Qwen2, Qwen3 (q/k norms) and OLMo-2 (norms after attention and MLP). */
    @Override
    public List<DecoderLayout> decoders() {
        return List.of(LlamaDecoderLayout.values());
    }

    private Object readResolve() {
        return INSTANCE;
    }
}
