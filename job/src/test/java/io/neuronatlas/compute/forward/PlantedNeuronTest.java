package io.neuronatlas.compute.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.synthetic.SyntheticDecoder;
import io.neuronatlas.checkpoint.synthetic.SyntheticDecoder.CausalNeuron;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A neuron planted to read " is" and write " dog": the clamp sweep must find what was planted. Clamped high, " dog"
 * becomes the top next token; clamped low, it is suppressed; in between its probability rises with the value.
 */
@ExtendWith(OneTorchThread.class)
class PlantedNeuronTest {
    @TempDir
    Path dir;

    @Test
    void clampingTheDogNeuronSteersTheNextToken() throws Exception {
        CausalNeuron planted = CausalNeuron.dog(2, 40);
        SyntheticDecoder.Written w = Models.llama().layers(4).vocab(512).plant(planted).write(dir);
        int dog = w.id(" dog");
        NeuronRef neuron = new NeuronRef(planted.layer(), planted.neuron());
        int[] trigger = {w.id(" the"), w.id(" happy"), w.id(" cat"), w.id(" is")};
        int[] other = {w.id(" the"), w.id(" happy"), w.id(" cat"), w.id(" run")};
        double[] values = new ValueRange(-100, 100, 41).values();
        try (DecoderModel model = Models.load(dir)) {
            ClampSweeper sweeper = new ClampSweeper(model);
            ClampSweep driven = sweeper.sweep(trigger, List.of(neuron), values, dog, ClampScope.ALL).get(0);
            ClampSweep quiet = sweeper.sweep(other, List.of(neuron), values, dog, ClampScope.ALL).get(0);
            String curve = describe(driven);

            // The prompt drives it: the trigger token fires the neuron, another last token does not.
            assertTrue(driven.naturalActivation() > 10 * Math.abs(quiet.naturalActivation())
                    && driven.naturalActivation() > 5, driven.naturalActivation() + " vs "
                    + quiet.naturalActivation());
            assertTrue(driven.baseline().targetProb() > quiet.baseline().targetProb(), curve);

            SweepPoint high = driven.points().get(values.length - 1);
            SweepPoint low = driven.points().get(0);
            assertEquals(1, high.stats().targetRank(), curve);
            assertEquals(dog, high.stats().top1Id(), curve);
            assertTrue(high.stats().targetProb() > 0.5, curve);
            assertTrue(low.stats().targetProb() < driven.baseline().targetProb() / 100, curve);
            assertTrue(low.stats().targetRank() > 100, curve);
            for (int i = 1; i < values.length; i++) {
                assertTrue(driven.points().get(i).stats().targetProb() >= driven.points().get(i - 1).stats()
                        .targetProb(), "not monotonic at " + values[i] + ": " + curve);
            }
            // Without the trigger the same clamp still writes " dog": clamping overrides the prompt.
            assertEquals(dog, quiet.points().get(values.length - 1).stats().top1Id(), describe(quiet));
        }
    }

    private static String describe(ClampSweep sweep) {
        StringBuilder s = new StringBuilder("natural " + sweep.naturalActivation() + ", baseline p="
                + sweep.baseline().targetProb() + "; curve:");
        for (SweepPoint p : sweep.points()) {
            s.append(String.format(" %.0f:%.3g(r%d)", p.value(), p.stats().targetProb(), p.stats().targetRank()));
        }
        return s.toString();
    }
}
