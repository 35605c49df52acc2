package io.neuronatlas.jobs;

import io.neuronatlas.atlas.ShardWriter;
import io.neuronatlas.atlas.TokenLayout;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.compute.ShardComputer;
import io.neuronatlas.compute.ShardReport;
import io.neuronatlas.compute.TaskEnvironment;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.compute.device.Engines;
import io.neuronatlas.plan.MapTask;
import io.neuronatlas.plan.Shard;
import java.io.IOException;

/** What one Spark task of the map does: compute a shard and write its rows into the run's own folders. */
final class ShardTask {
    private ShardTask() {
    }

    static ShardReport run(Shard shard, MapTask task, String atlas, String run, TokenTable tokens)
            throws IOException {
        TaskEnvironment env = SparkTasks.environment();
        ShardComputer computer = new ShardComputer(new DeviceRule(Engines.probe()));
        try (ShardWriter writer = new ShardWriter(SparkTasks.hadoopConf(), atlas, task.checkpoint(), run, shard,
                tokens, env.attemptId(), TokenLayout.LOOKUP)) {
            ShardReport report = computer.compute(shard, task, env, writer::append);
            writer.commit();
            return report;
        }
    }
}
