package io.neuronatlas.jobs;

import io.neuronatlas.atlas.MapTables;
import io.neuronatlas.atlas.TokenNeuronsBlocks;
import io.neuronatlas.compute.Shard;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The map run's second job: its committed neuron_tokens files regrouped into token_neurons, one file per block of
 * token ids ({@link MapTables#TOKEN_NEURONS}). Each task takes a range of blocks and reads that range of token ids
 * from every neuron_tokens file of the run: the files are ordered by token_id, so their page indexes give each task
 * only its pages, and no shuffle is needed. Plain RDD tasks over parquet-hadoop, not a Spark SQL query: planning and
 * compiling one costs a small map several seconds. The driver then checks the files committed, as it does the
 * shards'.
 */
public final class TokenNeuronsIndex {
    private TokenNeuronsIndex() {
    }

    /**
     * Writes the run's token_neurons files from its neuron_tokens files; returns them, relative to the atlas.
     *
     * @param shards    the run's shards, whose neuron_tokens files the driver has checked committed
     * @param vocabSize the checkpoint's vocabulary: it bounds the blocks
     */
    public static List<String> write(SparkSession spark, String atlas, String checkpoint, String run,
                                     List<Shard> shards, int vocabSize) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int blocks = MapTables.tokenBlock(Math.max(0, vocabSize - 1)) + 1;
        // Two ranges a core: a slow task holds up no more than half a core's share.
        int tasks = Math.max(1, Math.min(blocks, 2 * jsc.defaultParallelism()));
        List<TokenNeuronsBlocks> ranges = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
            int first = (int) ((long) blocks * t / tasks);
            int end = (int) ((long) blocks * (t + 1) / tasks);
            if (end > first) {
                ranges.add(TokenNeuronsBlocks.of(atlas, checkpoint, run, first, end, shards));
            }
        }
        return new ArrayList<>(jsc.parallelize(ranges, ranges.size())
                .flatMap(range -> {
                    TaskContext task = TaskContext.get();
                    return range.write(SparkTasks.hadoopConf(), task == null ? 0 : task.taskAttemptId()).iterator();
                })
                .collect());
    }
}
