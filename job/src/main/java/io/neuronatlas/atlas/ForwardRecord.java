package io.neuronatlas.atlas;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * What a clamp, validation or generation run did, kept beside its tables as RECORDS/checkpoint=NAME/run=RUN/run.json
 * (one JSON line; the checkpoint is in the folder name, as in {@link RunRecord}).
 *
 * @param tasks one entry per task: where it ran and on which device, as the map records its executors
 */
@JsonIgnoreProperties({"checkpoint"})
public record ForwardRecord(String runId, String kind, String checkpoint, String subject, String fingerprint,
                            String modelDir, String precision, Map<String, String> parameters, String sparkMaster,
                            String startedAt, String finishedAt, double seconds, List<TaskUse> tasks) {
    public ForwardRecord {
        parameters = Map.copyOf(parameters);
        tasks = List.copyOf(tasks);
    }

    /**
     * @param task         what it computed ("candidates 0-7 x prompt 2", "clamp", "generate")
     * @param device       the device it computed on, as DeviceRule labels it
     * @param peakRssBytes the JVM's peak resident memory when it finished (VmHWM), -1 unknown
     */
    public record TaskUse(String task, String executorId, String host, String device, double seconds,
                          long peakRssBytes) implements java.io.Serializable {
    }

    public String toJson() {
        try {
            return new ObjectMapper().writeValueAsString(this);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
