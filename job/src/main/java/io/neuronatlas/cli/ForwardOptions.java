package io.neuronatlas.cli;

import io.neuronatlas.atlas.ForwardRecord;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.Fingerprint;
import io.neuronatlas.checkpoint.ForwardConfig;
import io.neuronatlas.checkpoint.tokenizer.PromptEncoder;
import io.neuronatlas.compute.ProcessMemory;
import io.neuronatlas.compute.TaskEnvironment;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.compute.device.Engines;
import io.neuronatlas.compute.forward.DecoderModel;
import io.neuronatlas.compute.forward.Precision;
import io.neuronatlas.compute.forward.PromptInput;
import io.neuronatlas.query.ResultFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import scopt.OParser;

/**
 * The options the forward-pass commands (clamp, generate, validate) share, and the steps they share: config.json
 * first (a model_type with no forward pass fails before anything is loaded), the tokenizer, the prompt, the device by
 * the map's rule, the model.
 */
final class ForwardOptions {
    /** Arguments every forward command has. */
    static class Args {
        String model;
        String prompt;
        boolean chat;
        String atlas;
        String checkpoint;
        String master;
        ResultFormat format = ResultFormat.TABLE;
        DeviceMode device = DeviceMode.AUTO;
        Precision precision = Precision.FP32;

        Path modelDir() {
            return Path.of(model);
        }

        /** The checkpoint's name in the atlas: --checkpoint, else the model folder's name, as map names it. */
        String checkpointName() {
            return checkpoint != null ? checkpoint : modelDir().toAbsolutePath().normalize().getFileName().toString();
        }
    }

    private ForwardOptions() {
    }

    static <A extends Args> List<OParser<?, A>> model(Scopt<A> s) {
        List<OParser<?, A>> all = new ArrayList<>();
        all.add(s.string("model", "DIR", "Hugging Face model folder (a dense family: llama, mistral, qwen2, qwen3, olmo2, gemma 1-3, phi3, gpt2, gpt_neox)",
                (a, v) -> a.model = v).required());
        all.add(s.string("device", "auto|cpu|gpu", "auto: the GPU Spark assigned a task, else the CPU; gpu: "
                + "GPU 0 or fail, never a silent fall back to the CPU", (a, v) -> a.device = DeviceMode.parse(v)));
        all.add(s.string("precision", "fp32|fp16", "weights and activations on the device (fp16: GPU only; "
                + "default fp32)", (a, v) -> a.precision = Precision.parse(v)));
        return all;
    }

    static <A extends Args> List<OParser<?, A>> prompt(Scopt<A> s) {
        return List.of(
                s.string("prompt", "TEXT", "the prompt, e.g. \"My favourite animal is\"",
                        (a, v) -> a.prompt = v).required(),
                s.flag("chat", "format the prompt as a user message with the model's chat template "
                        + "(tokenizer_config.json's chat_template; Instruct models)", a -> a.chat = true));
    }

    static <A extends Args> List<OParser<?, A>> output(Scopt<A> s, String table) {
        return List.of(
                s.string("format", "table|csv|json", "output: an aligned table (default), CSV, or JSON lines",
                        (a, v) -> a.format = ResultFormat.parse(v)),
                s.string("atlas", "DIR", "also write the result to the " + table + " table of this atlas, "
                        + "published like every atlas output", (a, v) -> a.atlas = v),
                s.string("checkpoint", "NAME", "the checkpoint's name in the atlas (default: the model folder's "
                        + "name, as map names it)", (a, v) -> a.checkpoint = v),
                s.string("master", "URL", "Spark master for writing the atlas (default local[*])",
                        (a, v) -> a.master = v));
    }

    /** config.json, checked before anything else is read. */
    static ForwardConfig config(Args a) throws IOException {
        return ForwardConfig.read(a.modelDir().resolve(Checkpoint.CONFIG));
    }

    static PromptEncoder encoder(Args a, ForwardConfig config) throws IOException {
        return PromptEncoder.open(a.modelDir(), config.model().vocab());
    }

    static int[] prompt(Args a, PromptEncoder encoder, ForwardConfig config) throws IOException {
        return PromptInput.encode(encoder, config, a.prompt, a.chat, "--prompt");
    }

    /** The device by the map's rule, outside Spark: no GPU assigned, so auto means the CPU. */
    static DeviceRule.DeviceChoice device(Args a) {
        return new DeviceRule(Engines.probe()).choose(a.device, Optional.empty(), false);
    }

    static DecoderModel load(Args a, DeviceRule.DeviceChoice device) throws IOException {
        return DecoderModel.load(a.modelDir(), device.device(), a.precision);
    }

    /** The record (one JSON line) of a run this JVM computed itself, as one task on the driver. */
    static String driverRecord(Args a, String runId, String task, String checkpoint, String subject,
                               String fingerprint, Map<String, String> parameters, SparkSession spark,
                               Instant started, long t0, String device) {
        TaskEnvironment env = TaskEnvironment.local();
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new ForwardRecord(runId, task, checkpoint, subject, fingerprint,
                a.modelDir().toAbsolutePath().toString(), a.precision.label(), parameters,
                spark.sparkContext().master(), started.toString(), Instant.now().toString(), seconds,
                List.of(new ForwardRecord.TaskUse(task, env.executorId(), env.host(), device, seconds,
                        ProcessMemory.peakRssBytes()))).toJson();
    }

    /** The checkpoint's fingerprint, which an atlas output is published with. */
    static String fingerprint(Args a) throws IOException {
        try (Checkpoint checkpoint = Checkpoint.open(a.modelDir())) {
            return Fingerprint.of(checkpoint, 2).value();
        }
    }
}
