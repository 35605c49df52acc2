package io.neuronatlas.jobs;

import io.neuronatlas.atlas.ShardWriter;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.compute.ShardComputer;
import io.neuronatlas.compute.ShardReport;
import io.neuronatlas.compute.device.DeviceSelector;
import io.neuronatlas.compute.device.Engines;
import io.neuronatlas.plan.MapSpec;
import io.neuronatlas.plan.Shard;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import scala.Tuple2;

/** What one Spark task does: compute a shard and write its rows into the run's own folders of the atlas. */
final class ShardTask {
    private ShardTask() {
    }

    static ShardReport run(Shard shard, MapSpec spec, String atlas, String run, TokenTable tokens)
            throws IOException {
        TaskContext task = TaskContext.get();
        long attempt = task == null ? 0 : task.taskAttemptId();
        ShardComputer computer = new ShardComputer(new DeviceSelector(Engines.probe()));
        try (ShardWriter writer = new ShardWriter(hadoopConf(), atlas, spec.checkpoint(), run, shard, tokens,
                attempt)) {
            ShardReport report = computer.compute(shard, spec, writer::append);
            writer.commit();
            return report;
        }
    }

    /** The executor's Hadoop settings: Spark's spark.hadoop.* entries over Hadoop's defaults, as Spark does. */
    private static Configuration hadoopConf() {
        Configuration conf = new Configuration();
        SparkEnv env = SparkEnv.get();
        if (env != null) {
            for (Tuple2<String, String> kv : env.conf().getAllWithPrefix("spark.hadoop.")) {
                conf.set(kv._1(), kv._2());
            }
        }
        return conf;
    }
}
