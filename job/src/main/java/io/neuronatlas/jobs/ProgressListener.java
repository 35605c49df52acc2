package io.neuronatlas.jobs;

import java.io.PrintStream;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Prints shards done of total, neurons/s and an ETA while the compute job runs. It follows only the jobs of one
 * job group, so the Parquet writes that follow do not count as progress.
 */
public final class ProgressListener extends SparkListener {
    private final String jobGroup;
    private final int[] shardNeurons; // (shards): neurons of the shard computed by partition i
    private final long totalNeurons;
    private final PrintStream out;
    private final long intervalNanos;
    private final Set<Integer> stages = new HashSet<>();
    private final boolean[] done;
    private long startNanos;
    private long lastPrintNanos;
    private int shardsDone;
    private long neuronsDone;

    public ProgressListener(String jobGroup, int[] shardNeurons, PrintStream out, long intervalMillis) {
        this.jobGroup = jobGroup;
        this.shardNeurons = shardNeurons.clone();
        this.done = new boolean[shardNeurons.length];
        long sum = 0;
        for (int n : shardNeurons) {
            sum += n;
        }
        this.totalNeurons = sum;
        this.out = out;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart jobStart) {
        String group = jobStart.properties() == null ? null : jobStart.properties().getProperty("spark.jobGroup.id");
        if (jobGroup.equals(group)) {
            for (StageInfo stage : CollectionConverters.asJava(jobStart.stageInfos())) {
                stages.add(stage.stageId());
            }
            startNanos = System.nanoTime();
            lastPrintNanos = startNanos;
        }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        if (!stages.contains(taskEnd.stageId()) || !taskEnd.taskInfo().successful()) {
            return;
        }
        int partition = taskEnd.taskInfo().partitionId();
        if (partition < 0 || partition >= done.length || done[partition]) {
            return; // a speculative or retried copy of a shard already counted
        }
        done[partition] = true;
        shardsDone++;
        neuronsDone += shardNeurons[partition];
        long now = System.nanoTime();
        if (now - lastPrintNanos >= intervalNanos || shardsDone == done.length) {
            lastPrintNanos = now;
            out.println(line(now));
        }
    }

    synchronized String line(long now) {
        double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
        double rate = neuronsDone / seconds;
        String eta = rate > 0 ? duration((totalNeurons - neuronsDone) / rate) : "?";
        return String.format(Locale.ROOT, "[map] %d/%d shards, %,d/%,d neurons, %,.0f neurons/s, ETA %s",
                shardsDone, done.length, neuronsDone, totalNeurons, rate, eta);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
