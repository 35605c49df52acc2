package io.neuronatlas.plan;

import io.neuronatlas.checkpoint.Experts;
import io.neuronatlas.checkpoint.MlpBlock;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.ModelConfig;
import io.neuronatlas.compute.NeuronRange;
import io.neuronatlas.compute.Shard;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /** Qwen2-MoE-like: 4 experts of 10 and a shared one of 7 in sparse layers, layer 1 dense with 25 neurons. */
    static final ModelConfig MOE = new ModelConfig("qwen2_moe", 64, 25, 3, 700, false, "bfloat16",
            new Experts(4, 10, 7, List.of(1)), 0, "silu");

    @Test
    void shardsOfAMixtureOfExpertsRunAcrossExpertsAndCoverEveryNeuronOnce() {
        for (int shardSize = 1; shardSize <= 60; shardSize++) {
            List<Shard> shards = ShardPlanner.plan(MOE, List.of(MlpMatrix.GATE), List.of(0, 1, 2), shardSize);
            Map<String, int[]> seen = new HashMap<>(); // "layer/expert" → neuron → times
            for (int layer = 0; layer < 3; layer++) {
                for (MlpBlock block : MOE.mlpBlocks(layer)) {
                    seen.put(layer + "/" + block.expert(), new int[block.width()]);
                }
            }
            int layerOfPrevious = -1;
            int sizeOfPrevious = shardSize;
            for (Shard s : shards) {
                assertTrue(s.count() <= shardSize);
                if (s.layer() == layerOfPrevious) {
                    assertEquals(shardSize, sizeOfPrevious, "only a layer's last shard is short");
                }
                layerOfPrevious = s.layer();
                sizeOfPrevious = s.count();
                for (NeuronRange r : s.ranges()) {
                    for (int n = r.first(); n < r.first() + r.count(); n++) {
                        seen.get(s.layer() + "/" + r.expert())[n]++;
                    }
                }
            }
            for (Map.Entry<String, int[]> e : seen.entrySet()) {
                for (int count : e.getValue()) {
                    assertEquals(1, count, e.getKey() + " with shards of " + shardSize);
                }
            }
        }
        List<Shard> twelves = ShardPlanner.plan(MOE, List.of(MlpMatrix.UP), List.of(0), 12);
        assertEquals("[up/L0/e0:0-9,e1:0-1, up/L0/e1:2-9,e2:0-3, up/L0/e2:4-9,e3:0-5, up/L0/e3:6-9,shared:0-6]",
                twelves.toString());
    }

    @Test
    void aGpuGetsWholeLayersOfEveryExpertUpToACap() {
        assertEquals(47, ShardPlanner.defaultShardSize(MOE, true), "4 · 10 + 7 neurons in a sparse layer");
        ModelConfig qwen3 = new ModelConfig("qwen3_moe", 2048, 6144, 48, 151_936, false, "bfloat16",
                new Experts(128, 768, 0, List.of()), 0, "silu");
        assertEquals(ShardPlanner.GPU_SHARD_NEURONS, ShardPlanner.defaultShardSize(qwen3, true));
        assertEquals(2, ShardPlanner.plan(qwen3, List.of(MlpMatrix.UP), List.of(0),
                ShardPlanner.defaultShardSize(qwen3, true)).size(), "98,304 neurons a layer in two shards");
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
