package io.neuronatlas.atlas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.neuronatlas.compute.ShardReport;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The run record's executor lines: device, GPU address, the shards each computed, its peak memory. */
class RunRecordExecutorsTest {

    private static ShardReport report(int shard, String executor, String device, String gpu, long rss) {
        return new ShardReport(shard, "up", 0, shard * 10, 10, "up/L0/" + shard * 10 + "-" + (shard * 10 + 9), executor,
                "host-" + executor, device, gpu,
                "engine", 0.5, 1.0, 0.25, rss);
    }

    @Test
    void oneLinePerExecutorWithItsShardsAndPeakMemory() {
        List<RunRecord.ExecutorUse> executors = RunRecord.ExecutorUse.summarize(List.of(
                report(3, "1", "gpu(1)", "1", 900), report(0, "0", "gpu(0)", "0", 500),
                report(1, "1", "gpu(1)", "1", 1200), report(2, "0", "gpu(0)", "0", 400)));
        assertEquals(2, executors.size());
        RunRecord.ExecutorUse first = executors.get(0);
        assertEquals("1", first.executorId());
        assertEquals("gpu(1)", first.device());
        assertEquals("1", first.gpuAddress());
        assertEquals(List.of(1, 3), first.shardIds());
        assertEquals(2, first.shards());
        assertEquals(20, first.neurons());
        assertEquals(1200, first.peakRssBytes());
        assertEquals(2.0, first.computeSeconds(), 1e-12);
        assertEquals(List.of(0, 2), executors.get(1).shardIds());
        assertEquals(500, executors.get(1).peakRssBytes());
    }
}
