package io.neuronatlas.atlas;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.checkpoint.ModelConfig;
import io.neuronatlas.compute.ShardReport;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a map run did, kept beside its tables as runs/checkpoint=NAME/run=RUN/run.json (one JSON line). The
 * checkpoint's name lives in the folder name, as in every table, so the file leaves it out: Spark would otherwise see
 * the column twice when it reads the runs table. {@code fingerprintParts} are the fingerprint's parts hashed apart
 * (weights, config.json, tokenizer.json), so that the next run can say which of them changed.
 */
@JsonIgnoreProperties({"checkpoint"})
public record RunRecord(String runId, String checkpoint, String fingerprint, String modelDir, ModelConfig config,
                        Parameters parameters,
                        Timings timings, String engine, String sparkVersion, String sparkMaster,
                        String startedAt, String finishedAt, long neurons, long neuronTokenRows,
                        List<ExecutorUse> executors, List<ShardReport> shards, Map<String, String> fingerprintParts) {

    /** The output parameters and how the rows were computed (shard size, batch size, device). */
    public record Parameters(List<String> matrices, List<Integer> layers, int topK, boolean foldNorm, int shardSize,
                             int batchSize, String device, String lmHeadTensor, List<String> watch) {
        public static Parameters of(OutputParameters output, int shardSize, int batchSize, String device) {
            return new Parameters(output.matrices(), output.layers(), output.topK(), output.foldNorm(), shardSize,
                    batchSize, device, output.lmHeadTensor(), output.watch());
        }
    }

    /**
     * Wall-clock seconds per phase. Planning includes fingerprintSeconds, the hash of the checkpoint's weights. The
     * map phase is the Spark job in which every task reads, projects and writes its shard; neuronsPerSecond is
     * neurons over totalSeconds.
     */
    public record Timings(double planSeconds, double fingerprintSeconds, double mapSeconds, double publishSeconds,
                          double totalSeconds, double neuronsPerSecond) {
    }

    /**
     * One executor's part in the run; the seconds are summed over its tasks.
     *
     * @param gpuAddress   the GPU address Spark gave its tasks, null when none
     * @param shardIds     the shards it computed, ascending
     * @param peakRssBytes the largest peak resident memory its tasks saw (the executor JVM's VmHWM), -1 unknown
     */
    public record ExecutorUse(String executorId, String host, String device, String gpuAddress, int shards,
                              List<Integer> shardIds, long neurons, double readSeconds, double computeSeconds,
                              double writeSeconds, long peakRssBytes) {
        public ExecutorUse {
            shardIds = List.copyOf(shardIds);
        }

        /** One entry per executor and device, in the order executors first appear in the reports. */
        public static List<ExecutorUse> summarize(List<ShardReport> reports) {
            Map<String, List<ShardReport>> byExecutor = new LinkedHashMap<>();
            for (ShardReport s : reports) {
                byExecutor.computeIfAbsent(s.executorId() + "|" + s.device(), k -> new ArrayList<>()).add(s);
            }
            List<ExecutorUse> executors = new ArrayList<>();
            for (List<ShardReport> list : byExecutor.values()) {
                ShardReport first = list.get(0);
                executors.add(new ExecutorUse(first.executorId(), first.host(), first.device(), first.gpuAddress(),
                        list.size(), list.stream().map(ShardReport::shard).sorted().toList(),
                        list.stream().mapToLong(ShardReport::neurons).sum(),
                        list.stream().mapToDouble(ShardReport::readSeconds).sum(),
                        list.stream().mapToDouble(ShardReport::computeSeconds).sum(),
                        list.stream().mapToDouble(ShardReport::writeSeconds).sum(),
                        list.stream().mapToLong(ShardReport::peakRssBytes).max().orElse(-1)));
            }
            return executors;
        }
    }

    public String toJson() {
        try {
            return new ObjectMapper().writeValueAsString(this);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
