package io.neuronatlas.checkpoint;

import java.util.function.BiFunction;

/** Attention projections stored as four nn.Linear tensors, [out, in], named by a family's function. */
final class Projections {
    private Projections() {
    }

    /** Output features of projection p: heads·head_dim (q), kv_heads·head_dim (k, v), hidden_size (o). */
    static int outputs(ForwardConfig c, AttentionProjection p) {
        return switch (p) {
            case Q -> c.heads() * c.headDim();
            case K, V -> c.kvHeads() * c.headDim();
            case O -> c.model().dModel();
        };
    }

    static int inputs(ForwardConfig c, AttentionProjection p) {
        return p == AttentionProjection.O ? c.heads() * c.headDim() : c.model().dModel();
    }

    static TensorSlice linear(ForwardConfig c, BiFunction<AttentionProjection, Integer, String> name, int layer,
                              AttentionProjection p) {
        return TensorSlice.linear(name.apply(p, layer), outputs(c, p), inputs(c, p));
    }

    /** The bias of p when the config gives p one, else null. */
    static TensorSlice bias(ForwardConfig c, BiFunction<AttentionProjection, Integer, String> name, int layer,
                            AttentionProjection p) {
        return c.biasedProjections().contains(p) ? TensorSlice.bias(name.apply(p, layer), outputs(c, p)) : null;
    }

    /**
     * The rotated part of a head: rope_parameters.partial_rotary_factor (transformers 5), partial_rotary_factor or
     * the family's older name (GPT-NeoX's rotary_pct), else the default.
     */
    static double partialRotary(ConfigFile config, String olderName, double fallback) throws CheckpointException {
        if (config.has("rope_parameters")) {
            ConfigFile rope = config.section("rope_parameters", "rope_parameters must be an object");
            if (rope.has("partial_rotary_factor")) {
                return rope.number("partial_rotary_factor");
            }
        }
        if (config.has("partial_rotary_factor")) {
            return config.number("partial_rotary_factor");
        }
        return olderName == null ? fallback : config.number(olderName, fallback, fallback);
    }
}
