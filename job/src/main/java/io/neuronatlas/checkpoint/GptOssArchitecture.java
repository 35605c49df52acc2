package io.neuronatlas.checkpoint;

import io.neuronatlas.checkpoint.safetensors.WeightFiles;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * gpt-oss: every layer num_local_experts experts of intermediate_size neurons, stacked in two 3-D parameters per
 * layer as GptOssExperts holds them: mlp.experts.gate_up_proj [experts, hidden_size, 2·intermediate_size], used as
 * {@code x @ gate_up_proj[e]} and split {@code gate_up[..., ::2], gate_up[..., 1::2]}, so gate neuron n is column 2n
 * of expert e's matrix and up neuron n column 2n + 1; mlp.experts.down_proj [experts, intermediate_size, hidden_size],
 * so down neuron n is row n. Their biases (gate_up_proj_bias, down_proj_bias) and the router are not neuron vectors.
 * The experts' GLU is gpt-oss's own: gate·σ(1.702·gate)·(up + 1), both clamped at 7. The published checkpoints
 * store the experts in MXFP4 (gate_up_proj_blocks and _scales); those must be dequantized first.
 */
public final class GptOssArchitecture extends LlamaHeadArchitecture {
    public static final GptOssArchitecture INSTANCE = new GptOssArchitecture();
    private static final long serialVersionUID = 1L;
    /** GptOssConfig's num_local_experts. */
    static final int DEFAULT_EXPERTS = 128;

    private GptOssArchitecture() {
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of("gpt_oss");
    }

    @Override
    public String description() {
        return "gpt-oss: mixture of experts stacked in 3-D tensors, gate and up interleaved in gate_up_proj "
                + "(even columns gate, odd up), down_proj";
    }

    @Override
    public ModelConfig readConfig(ConfigFile config) throws CheckpointException {
        return ModelConfig.standard(config, false, "silu",
                Experts.inEveryLayer(config, "num_local_experts", DEFAULT_EXPERTS), 0);
    }

    @Override
    public Architecture bind(ModelConfig config, WeightFiles weights) throws IOException {
        String blocks = "model.layers.0.mlp.experts.gate_up_proj_blocks";
        if (weights.find(blocks).isPresent() && weights.find(experts(0) + "gate_up_proj").isEmpty()) {
            throw new CheckpointException(weights.fileOf(blocks).path() + ": the experts are stored in MXFP4 ('"
                    + blocks + "' and _scales, " + weights.require(blocks).dtype() + "); neuron-atlas reads BF16, "
                    + "F16 or F32 weights: dequantize the checkpoint first (transformers: from_pretrained with "
                    + "Mxfp4Config(dequantize=True), then save_pretrained)");
        }
        return this;
    }

    private static String experts(int layer) {
        return "model.layers." + layer + ".mlp.experts.";
    }

    @Override
    public NeuronSource neurons(ModelConfig config, MlpMatrix matrix, int layer, MlpBlock block) {
        int d = config.dModel();
        int m = block.width();
        int count = config.experts().count();
        String because = "hidden_size=" + d + ", intermediate_size=" + m + ", num_local_experts=" + count;
        if (matrix == MlpMatrix.DOWN) {
            return new NeuronSource(experts(layer) + "down_proj", new long[] {count, m, d}, block.index(), true, 0, 1,
                    m, because);
        }
        return new NeuronSource(experts(layer) + "gate_up_proj", new long[] {count, d, 2L * m}, block.index(), false,
                matrix == MlpMatrix.GATE ? 0 : 1, 2, m, because + "; gate and up interleaved: 2·intermediate_size "
                + "columns");
    }

    @Override
    public List<DecoderLayout> decoders() {
        return List.of(MoeDecoderLayout.GPT_OSS);
    }

    private Object readResolve() {
        return INSTANCE;
    }
}
