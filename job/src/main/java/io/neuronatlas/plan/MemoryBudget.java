package io.neuronatlas.plan;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.network.util.JavaUtils;

/**
 * The memory one executor has for the map's native work, from the Spark settings the driver was given: in local mode
 * the machine's memory (the executor is this JVM, and the LM head and the logits live outside its heap), on a cluster
 * {@code spark.executor.memory + spark.executor.memoryOverhead}. The planner checks a batch's logits against it, so
 * that {@code --batch-size 1000000000} is refused naming the option instead of growing until libtorch's allocator
 * fails.
 *
 * @param bytes       what one executor may use; 0 when unknown (no check)
 * @param tasksAtOnce tasks an executor runs at once, each with its own logits
 * @param source      where bytes comes from, for the message
 */
public record MemoryBudget(long bytes, int tasksAtOnce, String source) {
    /** No check: the budget is not known (an executor's GPU seen from the driver). */
    public static final MemoryBudget UNKNOWN = new MemoryBudget(0, 1, "unknown");

    /**
     * An executor's JVM, Spark, libtorch and Parquet writers before any head or batch: the smallest base measured
     * for a CPU executor (README, "Executor memory").
     */
    static final long BASE_BYTES = 400L << 20;

    public MemoryBudget {
        if (bytes < 0 || tasksAtOnce < 1) {
            throw new IllegalArgumentException("memory budget " + bytes + " bytes for " + tasksAtOnce + " tasks");
        }
    }

    /** The budget of the executors a driver with this configuration will use; unknown for GPU executors. */
    public static MemoryBudget of(SparkConf conf, boolean gpu) {
        if (gpu) {
            return UNKNOWN;
        }
        String master = conf.get("spark.master", "local[*]");
        if (master.startsWith("local")) {
            long physical = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getTotalMemorySize();
            return new MemoryBudget(physical, localThreads(master), "this machine's memory (local mode: the "
                    + "executor is the driver's JVM)");
        }
        // Both settings are MiB when written without a unit, as Spark reads them.
        long heap = JavaUtils.byteStringAsMb(conf.get("spark.executor.memory", "1g")) << 20;
        long overhead = conf.contains("spark.executor.memoryOverhead")
                ? JavaUtils.byteStringAsMb(conf.get("spark.executor.memoryOverhead")) << 20
                : Math.max(384L << 20, (long) (heap * conf.getDouble("spark.executor.memoryOverheadFactor", 0.1)));
        int cores = conf.getInt("spark.executor.cores", 1);
        int perTask = conf.getInt("spark.task.cpus", 1);
        return new MemoryBudget(heap + overhead, Math.max(1, cores / perTask), "spark.executor.memory + "
                + "spark.executor.memoryOverhead");
    }

    private static int localThreads(String master) {
        int open = master.indexOf('[');
        int close = master.indexOf(']');
        if (open < 0 || close < open) {
            return 1;
        }
        String n = master.substring(open + 1, close).split(",")[0].trim();
        return n.equals("*") ? Runtime.getRuntime().availableProcessors() : Math.max(1, Integer.parseInt(n));
    }

    /**
     * Refuses a batch whose logits, for every task an executor runs at once, do not fit beside the LM head.
     *
     * @param batch the neurons one matrix product takes: --batch-size, at most the shard size
     */
    void check(int batch, int vocab, int dModel, int batchSizeOption) {
        if (bytes == 0) {
            return;
        }
        long head = (long) vocab * dModel * Float.BYTES;
        // Logits and one temporary of their size per running task: what the executors' peak memory was fitted to.
        long perNeuron = 2L * vocab * Float.BYTES;
        long needed = BASE_BYTES + head + tasksAtOnce * perNeuron * batch;
        if (needed <= bytes) {
            return;
        }
        long largest = Math.max(0, (bytes - BASE_BYTES - head) / (tasksAtOnce * perNeuron));
        throw new IllegalArgumentException(String.format(Locale.ROOT, "--batch-size %,d: a batch of %,d neurons "
                        + "holds 2 x %,d x %,d x 4 bytes of logits (%s) in each of the %d tasks an executor runs at "
                        + "once; with the LM head (%s) and the executor's own %s that is %s, more than the %s of %s. "
                        + "Use --batch-size %,d or less%s", batchSizeOption, batch, batch, vocab,
                gib(perNeuron * batch), tasksAtOnce, gib(head), gib(BASE_BYTES), gib(needed), gib(bytes), source,
                largest, largest == 0 ? " (none fits: give executors more memory)" : ""));
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
