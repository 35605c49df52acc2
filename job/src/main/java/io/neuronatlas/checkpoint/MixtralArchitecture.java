package io.neuronatlas.checkpoint;

import java.util.List;
import java.util.Set;

/**
 * Mixtral: every layer a mixture of num_local_experts experts of intermediate_size neurons, each a gated MLP of
 * nn.Linear matrices named as in the original release, block_sparse_moe.experts.{e}.w1 (gate), w3 (up) and w2
 * (down): MixtralBlockSparseTop2MLP computes w2(act(w1(x)) · w3(x)). The router block_sparse_moe.gate is not a
 * neuron matrix. Otherwise Llama's names.
 */
public final class MixtralArchitecture extends LlamaHeadArchitecture {
    public static final MixtralArchitecture INSTANCE = new MixtralArchitecture();
    private static final long serialVersionUID = 1L;
    /** MixtralConfig's num_local_experts. */
    static final int DEFAULT_EXPERTS = 8;

    private MixtralArchitecture() {
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of("mixtral");
    }

    @Override
    public String description() {
        return "Mixtral: mixture of experts, gated MLPs of nn.Linear w1 (gate), w3 (up), w2 (down) per expert";
    }

    @Override
    public ModelConfig readConfig(ConfigFile config) throws CheckpointException {
        return ModelConfig.standard(config, false, "silu",
                Experts.inEveryLayer(config, "num_local_experts", DEFAULT_EXPERTS), 0);
    }

    @Override
    public NeuronSource neurons(ModelConfig config, MlpMatrix matrix, int layer, MlpBlock block) {
        String w = switch (matrix) {
            case GATE -> "w1";
            case UP -> "w3";
            case DOWN -> "w2";
        };
        return NeuronSource.linear("model.layers." + layer + ".block_sparse_moe.experts." + block.expert() + "." + w
                + ".weight", matrix, config.dModel(), block.width(), "hidden_size=" + config.dModel()
                + ", intermediate_size=" + block.width() + ", num_local_experts=" + config.experts().count());
    }

    @Override
    public List<DecoderLayout> decoders() {
        return List.of(MoeDecoderLayout.MIXTRAL);
    }

    private Object readResolve() {
        return INSTANCE;
    }
}
