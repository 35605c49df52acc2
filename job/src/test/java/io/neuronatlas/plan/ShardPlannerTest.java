package io.neuronatlas.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.ModelConfig;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Shards cover every planned neuron exactly once, whatever the shard size; layer lists parse as documented. */
class ShardPlannerTest {
    static final ModelConfig LLAMA_8B = new ModelConfig("llama", 4096, 14336, 32, 128256, false, "bfloat16");

    @Test
    void shardsCoverEveryNeuronExactlyOnce() {
        Random random = new Random(17);
        for (int trial = 0; trial < 20; trial++) {
            int shardSize = 1 + random.nextInt(20000);
            List<Integer> layers = List.of(0, 5, 31);
            List<Shard> shards = ShardPlanner.plan(LLAMA_8B, List.of(MlpMatrix.UP, MlpMatrix.DOWN), layers,
                    shardSize);
            int[][] seen = new int[2 * 32][LLAMA_8B.dMlp()];
            for (int i = 0; i < shards.size(); i++) {
                Shard s = shards.get(i);
                assertEquals(i, s.index());
                assertTrue(s.count() <= shardSize);
                for (int n = s.firstNeuron(); n < s.firstNeuron() + s.count(); n++) {
                    seen[s.matrix().ordinal() % 2 * 32 + s.layer()][n]++;
                }
            }
            for (MlpMatrix m : List.of(MlpMatrix.UP, MlpMatrix.DOWN)) {
                for (int layer = 0; layer < 32; layer++) {
                    int expected = layers.contains(layer) ? 1 : 0;
                    for (int count : seen[m.ordinal() % 2 * 32 + layer]) {
                        assertEquals(expected, count, m + " layer " + layer + " shard size " + shardSize);
                    }
                }
            }
        }
    }

    @Test
    void defaultShardSizesGiveTasksOfSecondsNotHours() {
        int cpu = ShardPlanner.defaultShardSize(LLAMA_8B, false);
        double flops = ShardPlanner.flops(LLAMA_8B, cpu);
        assertTrue(flops <= ShardPlanner.CPU_SHARD_FLOPS && flops >= ShardPlanner.CPU_SHARD_FLOPS / 4,
                cpu + " neurons, " + flops + " FLOP");
        assertEquals(LLAMA_8B.dMlp(), ShardPlanner.defaultShardSize(LLAMA_8B, true));
        ModelConfig tiny = new ModelConfig("llama", 64, 96, 2, 700, false, "bfloat16");
        assertEquals(96, ShardPlanner.defaultShardSize(tiny, false), "a small model gets whole layers");
    }

    @Test
    void layerLists() {
        assertEquals(List.of(0, 1, 2, 3, 20), LayerSelection.parse("0-3,20", 32));
        assertEquals(List.of(1, 2, 5), LayerSelection.parse(" 5, 1-2 ,2", 32));
        assertEquals(32, LayerSelection.parse("all", 32).size());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LayerSelection.parse("30-32", 32))
                .getMessage().contains("layer 32 is outside 0-31"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LayerSelection.parse("5-3", 32))
                .getMessage().contains("reversed"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LayerSelection.parse("x", 32))
                .getMessage().contains("'x'"));
        assertThrows(IllegalArgumentException.class, () -> ShardPlanner.plan(LLAMA_8B, List.of(MlpMatrix.UP),
                List.of(0), 0));
    }
}
