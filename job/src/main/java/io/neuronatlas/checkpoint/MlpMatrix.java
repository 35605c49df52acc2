package io.neuronatlas.checkpoint;

import java.util.Locale;

/**
 * The three weight matrices of a gated MLP and how a neuron's vector sits in each.
 *
 * <p>gate_proj and up_proj are stored [d_mlp, d_model]: a neuron's vector, what it reads from the residual
 * stream, is a row. down_proj is stored [d_model, d_mlp]: a neuron's vector, what it writes, is a column.
 */
public enum MlpMatrix {
    GATE(true),
    UP(true),
    DOWN(false);

    private final boolean neuronIsRow;

    MlpMatrix(boolean neuronIsRow) {
        this.neuronIsRow = neuronIsRow;
    }

    /** True when neuron n is row n of the stored tensor, false when it is column n. */
    public boolean neuronIsRow() {
        return neuronIsRow;
    }

    /** The short name used in tables and on the command line: gate, up, down. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static MlpMatrix fromLabel(String label) {
        for (MlpMatrix m : values()) {
            if (m.label().equals(label.trim().toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown matrix '" + label + "': expected gate, up or down");
    }
}
