package io.neuronatlas.jobs;

import io.neuronatlas.atlas.ForwardRecord;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.ForwardConfig;
import io.neuronatlas.checkpoint.tokenizer.PromptEncoder;
import io.neuronatlas.compute.ProcessMemory;
import io.neuronatlas.compute.TaskEnvironment;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.compute.device.Engines;
import io.neuronatlas.compute.forward.DecoderModel;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/**
 * A forward pass the driver computes itself (clamp, generate): config.json first (a model_type with no forward pass
 * fails before anything is loaded), the tokenizer, the device by the map's rule, the model, and the run record of
 * the one task it was.
 */
final class DriverRun {
    private final DecoderOptions model;
    private final Instant started = Instant.now();
    private final long t0 = System.nanoTime();

    DriverRun(DecoderOptions model) {
        this.model = model;
    }

    /** config.json, checked before anything else is read. */
    ForwardConfig config() throws IOException {
        return ForwardConfig.read(model.modelDir().resolve(Checkpoint.CONFIG));
    }

    PromptEncoder encoder(ForwardConfig config) throws IOException {
        return PromptEncoder.open(model.modelDir(), config.model().vocab());
    }

    /** The device by the map's rule, outside Spark: no GPU assigned, so auto means the CPU. */
    DeviceRule.DeviceChoice device() {
        return new DeviceRule(Engines.probe()).choose(model.device(), Optional.empty(), false);
    }

    DecoderModel load(DeviceRule.DeviceChoice device) throws IOException {
        return DecoderModel.load(model.modelDir(), device.device(), model.precision());
    }

    /** The checkpoint's fingerprint, which an atlas output is published with. */
    String fingerprint() throws IOException {
        try (Checkpoint checkpoint = Checkpoint.open(model.modelDir())) {
            return AtlasWrite.fingerprint(checkpoint).value();
        }
    }

    /** The record (one JSON line) of this run, as one task on the driver. */
    String record(String runId, String task, String subject, String fingerprint, Map<String, String> parameters,
                  SparkSession spark, String device) {
        TaskEnvironment env = TaskEnvironment.local();
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new ForwardRecord(runId, task, model.checkpoint(), subject, fingerprint,
                model.modelDir().toAbsolutePath().toString(), model.precision().label(), parameters,
                spark.sparkContext().master(), started.toString(), Instant.now().toString(), seconds,
                List.of(new ForwardRecord.TaskUse(task, env.executorId(), env.host(), device, seconds,
                        ProcessMemory.peakRssBytes()))).toJson();
    }
}
