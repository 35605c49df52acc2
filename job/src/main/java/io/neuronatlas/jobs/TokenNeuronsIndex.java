package io.neuronatlas.jobs;

import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.atlas.MapTables;
import io.neuronatlas.atlas.TokenNeuronsWriter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * The map run's second job: its committed neuron_tokens rows shuffled into token_neurons, one file per block of
 * token ids ({@link MapTables#TOKEN_NEURONS}). Each block goes whole to one task, which sorts its rows by token id and
 * writes the block's file; the driver then checks the files committed, as it does the shards'.
 */
public final class TokenNeuronsIndex {
    private TokenNeuronsIndex() {
    }

    /**
     * Writes the run's token_neurons files from its neuron_tokens files; returns them, relative to the atlas.
     *
     * @param vocabSize the checkpoint's vocabulary: it bounds the blocks, and so the tasks worth starting
     */
    public static List<String> write(SparkSession spark, String atlas, String checkpoint, String run, int vocabSize)
            throws IOException {
        Path runDir = new Path(new Path(atlas, MapTables.NEURON_TOKENS), AtlasPaths.runPath(checkpoint, run));
        Dataset<Row> rows = spark.read().option("basePath", runDir.toString()).parquet(runDir.toString())
                .withColumn("layer", functions.col("layer").cast("int"))
                .withColumn("block", functions.expr("token_id div " + MapTables.TOKENS_PER_BLOCK));
        int blocks = MapTables.tokenBlock(Math.max(0, vocabSize - 1)) + 1;
        int tasks = Math.max(1, Math.min(blocks, spark.sparkContext().defaultParallelism()));
        MapPartitionsFunction<Row, String> writeBlocks = sorted -> writeBlocks(sorted, atlas, checkpoint, run);
        // The full order makes a block's file the same whichever task and attempt writes it.
        List<String> files = rows.repartition(tasks, functions.col("block"))
                .sortWithinPartitions("token_id", "matrix", "layer", "expert", "neuron", "polarity", "rank")
                .mapPartitions(writeBlocks, Encoders.STRING())
                .collectAsList();
        return new ArrayList<>(files);
    }

    private static Iterator<String> writeBlocks(Iterator<Row> sorted, String atlas, String checkpoint, String run)
            throws IOException {
        TaskContext task = TaskContext.get();
        try (TokenNeuronsWriter writer = new TokenNeuronsWriter(SparkTasks.hadoopConf(), atlas, checkpoint, run,
                task == null ? 0 : task.taskAttemptId())) {
            while (sorted.hasNext()) {
                Row r = sorted.next();
                writer.write(r.getAs("matrix"), r.<Integer>getAs("layer"), r.getAs("expert"),
                        r.<Integer>getAs("neuron"), r.getAs("polarity"), r.<Integer>getAs("rank"),
                        r.<Integer>getAs("token_id"), r.getAs("token"), r.<Float>getAs("score"),
                        r.<Float>getAs("prob"), r.<Float>getAs("normalized_prob"));
            }
            return writer.commit().iterator();
        }
    }
}
