package io.neuronatlas.checkpoint;

import java.util.List;
import java.util.Set;

/**
 * GPT-NeoX and Pythia: an MLP that is not gated, nn.Linear dense_h_to_4h ([intermediate_size, hidden_size]: the
 * atlas's "up", a neuron per row) then dense_4h_to_h ([hidden_size, intermediate_size]: "down", a neuron per column),
 * under gpt_neox.layers; an untied head embed_out; a LayerNorm final_layer_norm with a bias.
 */
public final class GptNeoxArchitecture implements Architecture {
    public static final GptNeoxArchitecture INSTANCE = new GptNeoxArchitecture();
    private static final long serialVersionUID = 1L;

    private GptNeoxArchitecture() {
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of("gpt_neox");
    }

    @Override
    public String description() {
        return "GPT-NeoX: MLP not gated, nn.Linear dense_h_to_4h (up) and dense_4h_to_h (down)";
    }

    @Override
    public ModelConfig readConfig(ConfigFile config) throws CheckpointException {
        return ModelConfig.standard(config, false, "gelu", Experts.NONE, 0);
    }

    @Override
    public List<MlpMatrix> matrices() {
        return List.of(MlpMatrix.UP, MlpMatrix.DOWN);
    }

    @Override
    public NeuronSource neurons(ModelConfig config, MlpMatrix matrix, int layer, MlpBlock block) {
        String name = "gpt_neox.layers." + layer + ".mlp." + (matrix == MlpMatrix.UP ? "dense_h_to_4h"
                : "dense_4h_to_h") + ".weight";
        return NeuronSource.linear(name, matrix, config.dModel(), block.width(),
                "hidden_size=" + config.dModel() + ", intermediate_size=" + block.width());
    }

    @Override
    public String lmHead() {
        return "embed_out.weight";
    }

    @Override
    public String embedTokens() {
        return "gpt_neox.embed_in.weight";
    }

    @Override
    public String finalNorm() {
        return "gpt_neox.final_layer_norm.weight";
    }

    @Override
    public String finalNormBias() {
        return "gpt_neox.final_layer_norm.bias";
    }

    @Override
    public List<DecoderLayout> decoders() {
        return List.of(GptNeoxDecoderLayout.INSTANCE);
    }

    @Override
    public NormKind norm() {
        return NormKind.LAYER_NORM;
    }

    private Object readResolve() {
        return INSTANCE;
    }
}
