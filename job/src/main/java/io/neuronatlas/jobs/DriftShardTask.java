package io.neuronatlas.jobs;

import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.atlas.DriftTables;
import io.neuronatlas.atlas.TableFile;
import io.neuronatlas.atlas.TokenLayout;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.compute.DriftComputer;
import io.neuronatlas.compute.DriftTask;
import io.neuronatlas.compute.NeuronDrift;
import io.neuronatlas.compute.Shard;
import io.neuronatlas.compute.TaskEnvironment;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.compute.device.Engines;
import java.io.IOException;
import java.util.function.UnaryOperator;
import org.apache.hadoop.fs.Path;

/** What one Spark task of drift does: compare a shard's neurons of both checkpoints and write their rows. */
final class DriftShardTask {
    private DriftShardTask() {
    }

    /** The file a shard's rows end up in, relative to the atlas. */
    static String committedFile(String checkpoint, String run, Shard shard) {
        return DriftTables.NEURON_DRIFT + "/" + AtlasPaths.partitionPath(checkpoint, run, shard.matrix().label(),
                shard.layer()) + "/" + DriftTables.fileName(shard.index());
    }

    static long run(Shard shard, DriftTask task, String atlas, String run, TokenTable tokens) throws IOException {
        TaskEnvironment env = SparkTasks.environment();
        String base = task.base().checkpoint();
        Path dir = new Path(new Path(atlas, DriftTables.NEURON_DRIFT), AtlasPaths.partitionPath(
                task.checkpoint().checkpoint(), run, shard.matrix().label(), shard.layer()));
        long[] rows = {0};
        try (TableFile file = TableFile.open(SparkTasks.hadoopConf(), dir, DriftTables.fileName(shard.index()),
                env.attemptId(), DriftTables.NEURON_DRIFT_FILE, TokenLayout.LOOKUP, UnaryOperator.identity())) {
            new DriftComputer(new DeviceRule(Engines.probe())).compute(shard, task, env, batch -> {
                for (NeuronDrift r : batch) {
                    file.write(f -> f.add(base).add(r.neuron()).add(r.weightCos()).add(r.normBase()).add(r.norm())
                            .add(r.kl()).add(r.klReverse()).add(r.jsDistance()).add(r.topTokenKept())
                            .add(r.topKJaccardPos()).add(r.topKJaccardNeg()).add(r.topTokenIdBase())
                            .add(tokens.token(r.topTokenIdBase())).add(r.topTokenId()).add(tokens.token(r.topTokenId()))
                            .add(tokens.token(r.bottomTokenIdBase())).add(tokens.token(r.bottomTokenId())));
                    rows[0]++;
                }
            });
            file.commit();
        }
        return rows[0];
    }
}
