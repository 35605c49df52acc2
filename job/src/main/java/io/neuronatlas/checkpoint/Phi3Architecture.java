package io.neuronatlas.checkpoint;

import java.util.List;
import java.util.Set;

/**
 * Phi-3: Llama's names except that gate and up are one fused nn.Linear, mlp.gate_up_proj.weight
 * [2·intermediate_size, hidden_size], whose output Phi3MLP splits with {@code chunk(2, dim=-1)}: rows
 * [0, intermediate_size) are gate, the rest up.
 */
public final class Phi3Architecture extends LlamaHeadArchitecture {
    public static final Phi3Architecture INSTANCE = new Phi3Architecture();
    private static final long serialVersionUID = 1L;

    private Phi3Architecture() {
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of("phi3");
    }

    @Override
    public String description() {
        return "Phi-3: gated MLP, gate and up fused in gate_up_proj (gate rows first), down_proj";
    }

    @Override
    public ModelConfig readConfig(ConfigFile config) throws CheckpointException {
        return ModelConfig.standard(config, false, "silu", Experts.NONE, 0);
    }

    @Override
    public NeuronSource neurons(ModelConfig config, MlpMatrix matrix, int layer, MlpBlock block) {
        String mlp = "model.layers." + layer + ".mlp.";
        int d = config.dModel();
        int m = block.width();
        String because = "hidden_size=" + d + ", intermediate_size=" + m;
        if (matrix == MlpMatrix.DOWN) {
            return NeuronSource.linear(mlp + "down_proj.weight", matrix, d, m, because);
        }
        return new NeuronSource(mlp + "gate_up_proj.weight", new long[] {2L * m, d}, -1, true,
                matrix == MlpMatrix.GATE ? 0 : m, 1, m, because + "; gate and up fused: 2·intermediate_size rows");
    }

    @Override
    public List<DecoderLayout> decoders() {
        return List.of(Phi3DecoderLayout.INSTANCE);
    }

    private Object readResolve() {
        return INSTANCE;
    }
}
