package io.neuronatlas.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.testing.HfFixture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The map opens every family's fixture, saved by transformers 5's save_pretrained, with config.json as transformers 5
 * writes it and as transformers 4 wrote it. The MLPs it plans per layer (dense MLP, routed experts, shared expert,
 * their widths) are the ones transformers built: the fixture's activation sites list every MLP of every layer of
 * transformers' module tree, and the highest neuron recorded is the last one of its MLP.
 */
class HfMapTest {
    @TempDir
    static Path scratch;

    static Stream<Arguments> checkpoints() {
        List<Arguments> cases = new ArrayList<>();
        for (String name : HfFixture.names()) {
            for (HfFixture.Spelling spelling : HfFixture.Spelling.values()) {
                cases.add(Arguments.of(name + ", " + spelling, HfFixture.load(name), spelling));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checkpoints")
    void mapsTheMlpsTransformersBuilt(String label, HfFixture fixture, HfFixture.Spelling spelling)
            throws Exception {
        Path dir = fixture.modelDir(spelling, scratch);
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            ModelConfig config = checkpoint.config();
            Map<Integer, Map<String, Integer>> built = new LinkedHashMap<>(); // layer → expert → width
            for (HfFixture.Site site : fixture.sites()) {
                int width = Arrays.stream(site.neurons()).max().orElseThrow() + 1;
                built.computeIfAbsent(site.layer(), l -> new LinkedHashMap<>()).put(site.expert(), width);
            }
            assertEquals(built.size(), config.layers(), label + ": layers");
            for (int layer = 0; layer < config.layers(); layer++) {
                Map<String, Integer> planned = new LinkedHashMap<>();
                for (MlpBlock block : config.mlpBlocks(layer)) {
                    planned.put(block.expert(), block.width());
                }
                assertEquals(built.get(layer), planned, label + ": MLPs of layer " + layer);
                for (MlpBlock block : config.mlpBlocks(layer)) {
                    for (MlpMatrix matrix : checkpoint.architecture().matrices()) {
                        float[] last = new float[config.dModel()];
                        checkpoint.readNeurons(matrix, layer, block.expert(), block.width() - 1, 1, last);
                        assertTrue(Arrays.stream(toDoubles(last)).anyMatch(v -> v != 0) && Arrays.stream(
                                toDoubles(last)).allMatch(Double::isFinite), label + ": " + matrix.label() + " of "
                                + block.describe() + " in layer " + layer + " reads " + Arrays.toString(last));
                    }
                }
            }
            assertEquals(fixture.logits(0)[0].length, config.vocab(), label + ": vocabulary");
            assertEquals(config.vocab(), checkpoint.tokens().size(), label + ": tokenizer.json");
        }
    }

    /** Issue 22: transformers 5 writes Qwen3-MoE's expert count as num_local_experts; map refused it. */
    @Test
    void qwen3MoeAsTransformers5WritesIt() throws Exception {
        HfFixture fixture = HfFixture.load("qwen3_moe");
        String config = java.nio.file.Files.readString(fixture.modelDir().resolve("config.json"));
        assertTrue(config.contains("\"num_local_experts\": 4") && !config.contains("\"num_experts\""), config);
        try (Checkpoint checkpoint = Checkpoint.open(fixture.modelDir())) {
            Experts experts = checkpoint.config().experts();
            assertEquals(4, experts.count());
            assertEquals(24, experts.width());
            // decoder_sparse_step=2 makes 0 and 2 dense, mlp_only_layers=[3] makes 3 dense
            assertEquals(List.of(0, 2, 3), experts.denseLayers());
        }
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
