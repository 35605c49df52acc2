package io.neuronatlas.compute.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.ModelConfig;
import io.neuronatlas.checkpoint.Routing;
import io.neuronatlas.testing.HfFixture;
import org.junit.jupiter.api.Test;

/**
 * Expert neurons as the atlas names them, checked against a mixture's config (qwen3_moe fixture: layers 0, 2 and 3
 * dense of 64 neurons, layer 1 four experts of 24), and the routers' arithmetic on logits whose softmax is known by
 * hand: logits ln 1, ln 2, ln 3, ln 4 give probabilities 0.1, 0.2, 0.3, 0.4.
 */
class ExpertNeuronTest {

    @Test
    void parsesTheAtlasNames() {
        assertEquals(new NeuronRef(3, "5", 114), NeuronRef.parse("L3.E5.114"));
        assertEquals(new NeuronRef(3, "5", 114), NeuronRef.parse("L3.e5.up.114"));
        assertEquals(new NeuronRef(3, "shared", 7), NeuronRef.parse("L3.shared.down.7"));
        NeuronRef dense = NeuronRef.parse("L3.gate.114");
        assertNull(dense.expert());
        assertEquals("L3.e5.114", NeuronRef.parse("L3.E5.114").label());
        assertEquals("L3.shared.7", NeuronRef.parse("L3.shared.7").label());
        assertThrows(IllegalArgumentException.class, () -> NeuronRef.parse("L3.E05.114"));
    }

    @Test
    void checksTheExpertAgainstTheConfig() throws Exception {
        ModelConfig config = ModelConfig.read(HfFixture.load("qwen3_moe").modelDir().resolve("config.json"));
        assertEquals(new NeuronRef(1, "3", 23), NeuronRef.parse("L1.E3.23", config));
        assertEquals(new NeuronRef(0, null, 63), NeuronRef.parse("L0.63", config));
        assertMentions(() -> NeuronRef.parse("L1.5", config), "layer 1 has no dense MLP", "4 experts", "L1.E0.5");
        assertMentions(() -> NeuronRef.parse("L0.E1.5", config), "layer 0 has no expert 1", "dense MLP", "L0.5");
        assertMentions(() -> NeuronRef.parse("L1.E4.5", config), "no expert 4", "num_experts=4");
        assertMentions(() -> NeuronRef.parse("L1.E3.24", config), "index 24 is out of range", "=24");
        assertMentions(() -> NeuronRef.parse("L1.shared.2", config), "no shared expert");
    }

    @Test
    void routersPickAndWeighAsTransformers() {
        float[] logits = {(float) Math.log(1), (float) Math.log(2), (float) Math.log(3), (float) Math.log(4)};
        // Mixtral: softmax, top 2 (experts 3 and 2), renormalized: 4/7, 3/7
        assertArrayEquals(new float[] {0, 0, 3 / 7f, 4 / 7f}, new Routing(2, true, true).weights(logits, 4), 1e-6f);
        // Qwen-MoE without norm_topk_prob: the probabilities themselves
        assertArrayEquals(new float[] {0, 0, 0.3f, 0.4f}, new Routing(2, true, false).weights(logits, 4), 1e-6f);
        // gpt-oss: top 3 logits, then a softmax over them: 2/9, 3/9, 4/9
        assertArrayEquals(new float[] {0, 2 / 9f, 3 / 9f, 4 / 9f}, new Routing(3, false, false).weights(logits, 4),
                1e-6f);
        // two tokens routed on their own rows
        float[] two = {logits[3], logits[2], logits[1], logits[0], logits[0], logits[1], logits[2], logits[3]};
        assertArrayEquals(new float[] {0.4f, 0.3f, 0, 0, 0, 0, 0.3f, 0.4f},
                new Routing(2, true, false).weights(two, 4), 1e-6f);
    }

    private static void assertMentions(org.junit.jupiter.api.function.Executable call, String... parts) {
        String message = assertThrows(IllegalArgumentException.class, call).getMessage();
        for (String part : parts) {
            assertTrue(message.contains(part), "'" + message + "' should mention '" + part + "'");
        }
    }
}
