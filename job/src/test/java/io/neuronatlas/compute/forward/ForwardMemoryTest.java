package io.neuronatlas.compute.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.neuronatlas.testing.NativeResources;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;

/** Passes, sweeps and generations leave nothing in the model's manager: native memory stays flat when repeated. */
@ExtendWith(OneTorchThread.class)
class ForwardMemoryTest {
    @TempDir
    Path dir;

    private static int resources(NDManager manager) {
        return NativeResources.count(manager);
    }

    @Test
    void repeatedSweepsPassesAndGenerationsDoNotGrowTheModelManager() throws Exception {
        Models.llama().attentionBias(true).write(dir);
        try (DecoderModel model = Models.load(dir)) {
            int loaded = resources(model.manager());
            ClampSweeper sweeper = new ClampSweeper(model);
            ForwardPass pass = new ForwardPass(model);
            Generator generator = new Generator(model);
            int[] prompt = {3, 99, 150, 7, 42};
            List<NeuronRef> neurons = List.of(new NeuronRef(0, 1), new NeuronRef(2, 9));
            double[] values = new ValueRange(-5, 5, 7).values();
            for (int round = 0; round < 5; round++) {
                try (PromptPrefix prefix = sweeper.prefix(prompt, neurons)) {
                    int withPrefix = resources(model.manager());
                    assertEquals(loaded + 1, withPrefix, "a prefix is one sub-manager");
                    for (NeuronRef n : neurons) {
                        for (ClampScope scope : ClampScope.values()) {
                            sweeper.sweep(prefix, n, values, 17, scope);
                            assertEquals(withPrefix, resources(model.manager()));
                        }
                    }
                }
                pass.nextToken(prompt, Clamps.of(ClampScope.LAST, new Clamp(new NeuronRef(1, 3), 2)), 17);
                generator.generate(prompt, Clamps.of(ClampScope.ALL, new Clamp(new NeuronRef(1, 3), 2)),
                        new GenerationOptions(2, 5, 0.8, 0.9, round));
                assertEquals(loaded, resources(model.manager()), "round " + round);
            }
        }
    }

    @Test
    void failedCallsLeaveNothingBehind() throws Exception {
        Models.llama().write(dir);
        try (DecoderModel model = Models.load(dir)) {
            int loaded = resources(model.manager());
            ClampSweeper sweeper = new ClampSweeper(model);
            int[] prompt = {3, 99, 150};
            try (PromptPrefix prefix = sweeper.prefix(prompt, List.of(new NeuronRef(1, 1)))) {
                assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> sweeper.sweep(prefix, new NeuronRef(1, 2), new double[] {1}, 5, ClampScope.ALL))
                        .getMessage().contains("L1.2"));
            }
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> sweeper.prefix(new int[] {1, 300}, List.of(new NeuronRef(1, 1))));
            assertEquals(loaded, resources(model.manager()));
        }
    }
}
