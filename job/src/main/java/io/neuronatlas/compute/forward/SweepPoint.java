package io.neuronatlas.compute.forward;

import java.io.Serializable;

/** The next-token prediction with the neuron clamped at {@code value}. */
public record SweepPoint(double value, NextTokenStats stats) implements Serializable {
}
