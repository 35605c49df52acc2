package io.neuronatlas.jobs;

import io.neuronatlas.atlas.ShardWriter;
import io.neuronatlas.atlas.TokenLayout;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.compute.MapTask;
import io.neuronatlas.compute.Shard;
import io.neuronatlas.compute.ShardComputer;
import io.neuronatlas.compute.ShardReport;
import io.neuronatlas.compute.TaskEnvironment;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.compute.device.Engines;
import java.io.IOException;
import org.apache.hadoop.fs.FSError;

/** What one Spark task of the map does: compute a shard and write its rows into the run's own folders. */
final class ShardTask {
    private ShardTask() {
    }

    static ShardReport run(Shard shard, MapTask task, String atlas, String run, TokenTable tokens)
            throws IOException {
        String which = "shard " + shard.index() + " (" + shard.matrix().label() + " layer " + shard.layer()
                + ", neurons " + shard.firstNeuron() + "-" + (shard.firstNeuron() + shard.count() - 1) + ")";
        try {
            return compute(shard, task, atlas, run, tokens);
        } catch (OutOfMemoryError e) {
            // Caught here, its arrays gone, the executor lives on; Spark would otherwise end the whole JVM.
            throw new ShardFailedException(which + " ran out of memory (the executor's heap is at most "
                    + ShardFailedException.heap() + "): lower --batch-size, or give executors more memory "
                    + "(spark.executor.memory)", null);
        } catch (IOException | RuntimeException | FSError e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("can't allocate memory") || message.contains("out of memory")) {
                throw new ShardFailedException(which + ": the engine could not allocate memory for a batch of "
                        + task.batchSize() + " x " + task.head().vocab() + " logits (" + firstLine(message)
                        + "): lower --batch-size, or give executors more memory (spark.executor.memoryOverhead: "
                        + "the LM head and the logits live outside the Java heap)", e);
            }
            throw new ShardFailedException(which + ": " + firstLine(message), e);
        }
    }

    private static String firstLine(String text) {
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }

    private static ShardReport compute(Shard shard, MapTask task, String atlas, String run, TokenTable tokens)
            throws IOException {
        TaskEnvironment env = SparkTasks.environment();
        ShardComputer computer = new ShardComputer(new DeviceRule(Engines.probe()));
        try (ShardWriter writer = new ShardWriter(SparkTasks.hadoopConf(), atlas, task.checkpoint(), run, shard,
                tokens, env.attemptId(), TokenLayout.LOOKUP, task.census())) {
            ShardReport report = computer.compute(shard, task, env, writer::append);
            writer.commit();
            return report;
        }
    }
}
