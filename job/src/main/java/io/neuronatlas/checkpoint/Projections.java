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
     * Whether config.json says how much of a head rotates (rope_parameters.partial_rotary_factor,
     * partial_rotary_factor, GPT-NeoX's rotary_pct); else the family's default holds.
     */
    static boolean givesPartialRotary(ConfigFile config) throws CheckpointException {
        if (config.isObject("rope_parameters")
                && config.section("rope_parameters", "").has("partial_rotary_factor")) {
            return true;
        }
        return config.has("partial_rotary_factor") || config.has("rotary_pct");
    }
}
