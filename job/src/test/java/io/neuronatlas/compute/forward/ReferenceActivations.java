package io.neuronatlas.compute.forward;

import java.io.IOException;
import java.nio.file.Path;

/** The float64 reference decoder's MLP activations, for tests outside this package (examples). */
public final class ReferenceActivations {
    private final ReferenceDecoder decoder;

    public ReferenceActivations(Path modelDir) throws IOException {
        this.decoder = new ReferenceDecoder(modelDir);
    }

    /** act(gate)·up at [layer][position][neuron] of one sequence. */
    public double[][][] of(int[] ids) {
        return decoder.allActivations(ids);
    }
}
