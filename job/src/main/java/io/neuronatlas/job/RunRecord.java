package io.neuronatlas.job;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.model.ModelConfig;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * What a map run did, kept beside its tables as runs/checkpoint=NAME/run.json (one JSON line). The checkpoint's
 * name lives in the folder name, as in every table, so the file leaves it out: Spark would otherwise see the
 * column twice when it reads the runs table.
 */
@JsonIgnoreProperties({"checkpoint"})
public record RunRecord(String runId, String checkpoint, String modelDir, ModelConfig config, Parameters parameters,
                        Timings timings, String engine, String sparkVersion, String sparkMaster,
                        String startedAt, String finishedAt, long neurons, long neuronTokenRows,
                        List<ExecutorUse> executors, List<ShardReport> shards) {

    public record Parameters(List<String> matrices, List<Integer> layers, int topK, boolean foldNorm, int shardSize,
                             int batchSize, String device, String lmHeadTensor, List<String> watch) {
    }

    /**
     * Wall-clock seconds per phase. The map phase is the Spark job in which every task reads, projects and writes
     * its shard; neuronsPerSecond is neurons over totalSeconds.
     */
    public record Timings(double planSeconds, double mapSeconds, double publishSeconds, double totalSeconds,
                          double neuronsPerSecond) {
    }

    /** One executor's part in the run; the seconds are summed over its tasks. */
    public record ExecutorUse(String executorId, String host, String device, int shards, long neurons,
                              double readSeconds, double computeSeconds, double writeSeconds) {
    }

    public String toJson() {
        try {
            return new ObjectMapper().writeValueAsString(this);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
