package io.neuronatlas.jobs;

import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.atlas.ForwardRecord;
import io.neuronatlas.atlas.ForwardTables;
import io.neuronatlas.atlas.TableFile;
import io.neuronatlas.atlas.TokenLayout;
import io.neuronatlas.checkpoint.CheckpointRef;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.compute.ExecutorResources;
import io.neuronatlas.compute.ProcessMemory;
import io.neuronatlas.compute.TaskEnvironment;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.compute.device.Engines;
import io.neuronatlas.compute.forward.ClampScope;
import io.neuronatlas.compute.forward.ClampSweep;
import io.neuronatlas.compute.forward.ClampSweeper;
import io.neuronatlas.compute.forward.NeuronRef;
import io.neuronatlas.compute.forward.Precision;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.apache.hadoop.fs.Path;

/**
 * One task of a validation: a group of candidate neurons swept on one prompt. The decoder is leased from the
 * executor's cache (loaded once per executor JVM, checkpoint version, precision and device); the prefix pass over the
 * prompt is shared by the group's neurons. The task writes its curves to clamp_sweeps and returns them to the driver,
 * which aggregates them per neuron.
 */
final class ValidateTask {
    /** What every task of a run shares, shipped as plain data. */
    record Shared(String atlas, String checkpoint, String run, String subject, CheckpointRef source,
                  Precision precision, DeviceMode device, double[] values, int targetId, String target,
                  ClampScope scope) implements Serializable {
    }

    /** One task's work: these neurons on this prompt. */
    record Work(int group, List<NeuronRef> neurons, int promptIndex, String prompt, int[] promptIds)
            implements Serializable {
        Work {
            neurons = List.copyOf(neurons);
        }

        String label() {
            return "candidates group " + group + " (" + neurons.size() + " neurons) x prompt " + promptIndex;
        }
    }

    /** What a task sends back: its curves and where it ran. */
    record Result(Work work, List<ClampSweep> sweeps, ForwardRecord.TaskUse use) implements Serializable {
        Result {
            sweeps = List.copyOf(sweeps);
        }
    }

    private ValidateTask() {
    }

    static String fileName(Work work) {
        return String.format(Locale.ROOT, "part-g%05d-p%05d.zstd.parquet", work.group(), work.promptIndex());
    }

    /** The file a task commits, relative to the atlas. */
    static String committedFile(Shared shared, Work work) {
        return ForwardTables.CLAMP_SWEEPS + "/" + AtlasPaths.runPath(shared.checkpoint(), shared.run()) + "/"
                + fileName(work);
    }

    static Result run(Shared shared, Work work, TokenTable tokens) throws IOException {
        long t0 = System.nanoTime();
        try {
            TaskEnvironment env = SparkTasks.environment();
            DeviceRule.DeviceChoice choice = new DeviceRule(Engines.probe()).choose(shared.device(),
                    env.gpuAddress(), env.simulateGpuAsCpu());
            if (!choice.device().isGpu()) {
                Engines.limitCpuThreads(env.cpus());
            }
            List<ClampSweep> sweeps;
            try (ExecutorResources.ModelLease lease = ExecutorResources.decoder(shared.source(), shared.precision(),
                    choice.device())) {
                sweeps = new ClampSweeper(lease.model()).sweep(work.promptIds(), work.neurons(), shared.values(),
                        shared.targetId(), shared.scope());
            }
            Path dir = new Path(new Path(shared.atlas(), ForwardTables.CLAMP_SWEEPS),
                    AtlasPaths.runPath(shared.checkpoint(), shared.run()));
            try (TableFile file = TableFile.open(SparkTasks.hadoopConf(), dir, fileName(work), env.attemptId(),
                    ForwardTables.CLAMP_SWEEPS_FILE, TokenLayout.LOOKUP, UnaryOperator.identity())) {
                for (ClampSweep sweep : sweeps) {
                    ForwardTables.writeSweep(file, shared.subject(), work.promptIndex(), work.prompt(), sweep,
                            shared.target(), tokens::token);
                }
                file.commit();
            }
            return new Result(work, sweeps, new ForwardRecord.TaskUse(work.label(), env.executorId(), env.host(),
                    choice.label(), (System.nanoTime() - t0) / 1e9, ProcessMemory.peakRssBytes()));
        } catch (OutOfMemoryError e) {
            throw new ShardFailedException(work.label() + " ran out of memory (the executor's heap is at most "
                    + ShardFailedException.heap() + "): give executors more memory (spark.executor.memory)", null);
        } catch (IOException | RuntimeException e) {
            throw new ShardFailedException(work.label() + ": " + e.getMessage(), e);
        }
    }
}
