package io.neuronatlas.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.compute.device.EngineProbe;
import io.neuronatlas.compute.projection.BatchResult;
import io.neuronatlas.compute.projection.ReferenceProjection;
import io.neuronatlas.plan.MapOptions;
import io.neuronatlas.plan.MapPlan;
import io.neuronatlas.plan.MapPlanner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The executor's compute step runs without Spark: its task environment is a plain record. */
class ShardComputerTest {
    @TempDir
    Path dir;

    private static DeviceRule cpuEngine() {
        return new DeviceRule(new EngineProbe() {
            @Override
            public int gpuCount() {
                return 0;
            }

            @Override
            public String describe() {
                return "a CPU-only engine";
            }
        });
    }

    @Test
    void aShardIsComputedFromAPlainTaskEnvironment() throws IOException {
        Path model = new SyntheticCheckpoint().layers(2).dModel(32).dMlp(40).vocab(300).seed(6)
                .plantDogAndCalifornia().write(dir.resolve("m")).dir();
        MapPlan plan;
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            plan = MapPlanner.plan(checkpoint, MapOptions.builder(model, "atlas").matrices("down").batchSize(16)
                    .topK(5).build(), false);
        }
        MapTask task = plan.task("xxh64:test");
        Shard shard = new Shard(0, MlpMatrix.DOWN, 1, 8, 20);
        // A loopback cluster's made-up GPU 1: computed on the CPU and labelled so.
        TaskEnvironment env = new TaskEnvironment(Optional.of("1"), 1, true, 42, "7", "host-a");
        List<BatchResult> batches = new ArrayList<>();
        List<Integer> firsts = new ArrayList<>();
        ShardReport report = new ShardComputer(cpuEngine()).compute(shard, task, env, (b, expert, first) -> {
            batches.add(b);
            firsts.add(first);
        });
        assertEquals(List.of(8, 24), firsts, "batches of 16 from neuron 8");
        assertEquals("cpu (simulated gpu:1)", report.device());
        assertEquals("1", report.gpuAddress());
        assertEquals("7", report.executorId());
        assertEquals("host-a", report.host());
        assertEquals(20, report.neurons());

        float[] head = new float[300 * 32];
        float[] vectors = new float[20 * 32];
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            checkpoint.lmHeadRows(false).read(0, 300, head);
            checkpoint.readNeurons(MlpMatrix.DOWN, 1, 8, 20, vectors);
        }
        ReferenceProjection.Neuron[] reference = ReferenceProjection.compute(head, 300, 32, vectors, 20, 5);
        int n = 0;
        for (BatchResult b : batches) {
            for (int i = 0; i < b.count(); i++, n++) {
                for (int p = 0; p < 2; p++) {
                    for (int r = 0; r < 5; r++) {
                        assertEquals(reference[n].ids[p][r], b.tokenId(i, p, r), "neuron " + n);
                        assertEquals(reference[n].rankScores[p][r], b.score(i, p, r),
                                1e-5 * Math.max(1, reference[n].maxAbs));
                    }
                }
            }
        }
        assertEquals(20, n);

        // Without the simulation, an assigned GPU on a CPU-only engine fails instead of computing on the CPU.
        TaskEnvironment real = new TaskEnvironment(Optional.of("0"), 1, false, 43, "7", "host-a");
        var e = assertThrows(DeviceRule.DeviceUnavailableException.class,
                () -> new ShardComputer(cpuEngine()).compute(shard, task, real, (b, expert, first) -> { }));
        assertTrue(e.getMessage().contains("Spark assigned this task GPU 0"), e.getMessage());
        assertEquals(DeviceMode.AUTO, task.device());
    }
}
