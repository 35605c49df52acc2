package io.neuronatlas.checkpoint;

import java.util.Locale;

/** The four projections of a self-attention block: q, k and v read the residual stream, o writes it back. */
public enum AttentionProjection {
    Q,
    K,
    V,
    O;

    /** The short name in tensor names: q, k, v, o. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
