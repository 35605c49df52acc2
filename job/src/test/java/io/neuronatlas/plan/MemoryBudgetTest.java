package io.neuronatlas.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The planner checks a batch's logits against the executors' memory and refuses a --batch-size that cannot fit,
 * naming the option and the largest batch that does, instead of letting libtorch's allocator fail mid-map.
 */
class MemoryBudgetTest {
    private static final long GIB = 1L << 30;
    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    @Test
    void theBudgetComesFromTheSparkSettingsTheDriverWasGiven() {
        MemoryBudget cluster = MemoryBudget.of(new SparkConf(false).set("spark.master", "spark://head:7077")
                .set("spark.executor.memory", "2g").set("spark.executor.cores", "4").set("spark.task.cpus", "2"),
                false);
        assertEquals(2 * GIB + 384 * MIB, cluster.bytes(), "2g and the default overhead of max(384m, 10%)");
        assertEquals(2, cluster.tasksAtOnce());
        MemoryBudget overhead = MemoryBudget.of(new SparkConf(false).set("spark.master", "yarn")
                .set("spark.executor.memory", "8192").set("spark.executor.memoryOverhead", "3072"), false);
        assertEquals(11 * GIB, overhead.bytes(), "both settings in MiB when no unit is written");
        MemoryBudget local = MemoryBudget.of(new SparkConf(false).set("spark.master", "local[3]"), false);
        assertEquals(3, local.tasksAtOnce());
        assertTrue(local.bytes() > GIB, "local mode: this machine's memory, " + local.bytes());
        assertEquals(MemoryBudget.UNKNOWN, MemoryBudget.of(new SparkConf(false), true), "a GPU is not seen from here");
    }

    @Test
    void aBatchWhoseLogitsDoNotFitIsRefusedNamingTheLargestThatDoes() {
        // Llama-3 shapes on an executor of 4 GiB, one task at a time: the head is 1.96 GiB, a neuron's logits 1 MiB.
        MemoryBudget budget = new MemoryBudget(4 * GIB, 1, "spark.executor.memory + spark.executor.memoryOverhead");
        budget.check(256, 128_256, 4096, 256);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> budget.check(16_384, 128_256, 4096, 1_000_000_000));
        String message = e.getMessage();
        assertTrue(message.startsWith("--batch-size 1,000,000,000: a batch of 16,384 neurons holds 2 x 16,384 x "
                + "128,256 x 4 bytes of logits (15.7 GiB)"), message);
        assertTrue(message.contains("more than the 4.0 GiB of spark.executor.memory + spark.executor.memoryOverhead"),
                message);
        // The largest batch the message offers fits, and one more does not: computed apart, in float64.
        double head = 128_256.0 * 4096 * 4;
        long largest = (long) Math.floor((4.0 * GIB - 400.0 * MIB - head) / (2.0 * 128_256 * 4));
        assertTrue(message.endsWith("Use --batch-size " + String.format("%,d", largest) + " or less"), message);
        budget.check((int) largest, 128_256, 4096, (int) largest);
        assertThrows(IllegalArgumentException.class, () -> budget.check((int) largest + 1, 128_256, 4096, 1));
        MemoryBudget.UNKNOWN.check(Integer.MAX_VALUE, 128_256, 4096, Integer.MAX_VALUE);
    }

    @Test
    void thePlannerRefusesBeforeAnythingRunsAndCountsTheShardNotTheOption() throws IOException {
        Path model = new SyntheticCheckpoint().layers(1).dModel(64).dMlp(256).vocab(4096).write(dir.resolve("m"))
                .dir();
        // Room for the base and the 1 MiB head, and 64 neurons' logits (32 KiB each) for each of 2 tasks.
        MemoryBudget small = new MemoryBudget(400 * MIB + MIB + 2 * 64 * 32 * 1024, 2, "a small executor");
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            MapOptions huge = MapOptions.builder(model, "atlas").batchSize(1_000_000_000).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MapPlanner.plan(checkpoint, huge, false, small));
            assertTrue(e.getMessage().startsWith("--batch-size 1,000,000,000: a batch of 256 neurons"),
                    e.getMessage());
            // The same option with shards of 64 neurons multiplies 64 at a time: that fits.
            MapPlanner.plan(checkpoint, MapOptions.builder(model, "atlas").batchSize(1_000_000_000).shardSize(64)
                    .build(), false, small);
        }
    }
}
