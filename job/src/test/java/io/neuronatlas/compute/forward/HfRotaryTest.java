package io.neuronatlas.compute.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.CheckpointException;
import io.neuronatlas.checkpoint.ConfigFile;
import io.neuronatlas.checkpoint.RopeParameters;
import io.neuronatlas.testing.HfFixture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rotary tables of every family's fixture (every rope type, partial rotary, Gemma 3's two ropes) against
 * transformers' own rotary embedding module: the config read as transformers 5 and as transformers 4 write it, cos
 * and sin of each prompt's call and of the decoding step after it, within 1e-5 absolute (float32 angles up to ~25
 * radians; a wrong scaling is off by 1e-2 or more).
 */
class HfRotaryTest {
    private static final double TOLERANCE = 1e-5;

    static Stream<Arguments> ropes() {
        List<Arguments> cases = new ArrayList<>();
        for (String name : HfFixture.names()) {
            HfFixture fixture = HfFixture.load(name);
            for (String layerType : fixture.ropeLayerTypes()) {
                for (String config : List.of("config.json", "config.v4.json")) {
                    cases.add(Arguments.of(name + (layerType == null ? "" : " " + layerType) + ", " + config,
                            fixture, layerType, config));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ropes")
    void tablesMatchTransformers(String label, HfFixture fixture, String layerType, String configName)
            throws Exception {
        Rotary rotary = rotary(fixture.modelDir().resolve(configName), layerType);
        for (int[] prompt : fixture.prompts()) {
            int length = prompt.length;
            float[][] call = rotary.cosSin(0, length);
            float[][] step = rotary.cosSin(length, 1);
            for (int t = 0; t < 2; t++) {
                String table = t == 0 ? "cos" : "sin";
                assertClose(fixture.rope(layerType, table, length, false), call[t], label + " " + table + " of "
                        + length + " positions");
                assertClose(fixture.rope(layerType, table, length, true), step[t], label + " " + table
                        + " of position " + length + " after them");
            }
        }
    }

    /** Each scaled variant's table differs from the plain Llama's: the comparison above can tell them apart. */
    @Test
    void everyScalingChangesTheTable() {
        float[][] plain = HfFixture.load("llama").rope(null, "cos", 20, false);
        for (String variant : List.of("llama-linear", "llama-yarn", "llama-longrope", "llama-llama3")) {
            float[][] scaled = HfFixture.load(variant).rope(null, "cos", 20, false);
            double most = 0;
            for (int p = 0; p < plain.length; p++) {
                for (int i = 0; i < plain[p].length; i++) {
                    most = Math.max(most, Math.abs(plain[p][i] - scaled[p][i]));
                }
            }
            assertTrue(most > 100 * TOLERANCE, variant + " differs from default rope by only " + most);
        }
        // dynamic NTK: the default table within max_position_embeddings (16), a larger theta beyond it
        HfFixture dynamic = HfFixture.load("llama-dynamic");
        assertEquals(plain[10][1], dynamic.rope(null, "cos", 11, false)[10][1], 1e-7);
        assertFalse(Math.abs(plain[19][1] - dynamic.rope(null, "cos", 20, false)[19][1]) < 100 * TOLERANCE);
    }

    /** A Rotary as a family's forward pass builds it from config.json (text_config for a multimodal Gemma 3). */
    static Rotary rotary(Path configJson, String layerType) throws CheckpointException {
        ConfigFile root = ConfigFile.read(configJson);
        ConfigFile text = root.isObject("text_config") ? root.section("text_config", "") : root;
        RopeParameters rope = RopeParameters.read(text, layerType);
        String headsField = text.spelling("num_attention_heads", "n_head");
        int hidden = text.integer(text.spelling("hidden_size", "n_embd"));
        int headDim = text.integer("head_dim", hidden / text.integer(headsField));
        return new Rotary(rope.rotaryDim(headDim), rope.theta(), rope.scaling(),
                text.integer("max_position_embeddings"));
    }

    /** gpt-oss's module returns the half table (its rotation reads each frequency once): the first half here. */
    private static void assertClose(float[][] expected, float[] actual, String what) {
        int width = expected[0].length;
        int dim = actual.length / expected.length;
        assertEquals(expected.length * dim, actual.length, what + ": size");
        assertTrue(width == dim || 2 * width == dim, what + ": " + width + " columns, expected " + dim);
        double most = 0;
        for (int p = 0; p < expected.length; p++) {
            for (int i = 0; i < width; i++) {
                most = Math.max(most, Math.abs(expected[p][i] - actual[p * dim + i]));
            }
        }
        assertTrue(most <= TOLERANCE, what + ": off by " + most);
    }
}
