package io.neuronatlas.jobs;

import io.neuronatlas.atlas.ForwardParameters;
import io.neuronatlas.atlas.ForwardTables;
import io.neuronatlas.atlas.OutputKind;
import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.atlas.TableFile;
import io.neuronatlas.checkpoint.ForwardConfig;
import io.neuronatlas.checkpoint.tokenizer.PromptEncoder;
import io.neuronatlas.checkpoint.tokenizer.TargetResolver;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.compute.forward.ClampSweep;
import io.neuronatlas.compute.forward.ClampSweeper;
import io.neuronatlas.compute.forward.DecoderModel;
import io.neuronatlas.compute.forward.NeuronRef;
import io.neuronatlas.compute.forward.PromptInput;
import io.neuronatlas.compute.forward.SweepPoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;

/**
 * clamp: one neuron's clamp curve on one prompt (the paper's Figure 3), computed on the driver: the target's
 * probability, logit and rank and the top-1 token at each clamp value, with the unclamped baseline and the neuron's
 * natural activation; published in clamp_sweeps when an atlas is given.
 */
public final class ClampJob {
    private final Supplier<SparkSession> spark;
    private final PublishListener listener;

    /** @param spark opened only to publish, so a clamp that writes nothing starts no Spark */
    public ClampJob(Supplier<SparkSession> spark, PublishListener listener) {
        this.spark = spark;
        this.listener = listener;
    }

    public ClampOutcome clamp(ClampOptions o) throws Exception {
        DriverRun driver = new DriverRun(o.model());
        ForwardConfig config = driver.config();
        NeuronRef neuron = NeuronRef.parse(o.neuron(), config.model());
        try (PromptEncoder encoder = driver.encoder(config)) {
            TargetResolver.Target resolved = new TargetResolver(encoder, "--target", "--target-id")
                    .of(o.target(), o.targetId());
            int target = resolved.id();
            int[] prompt = PromptInput.encode(encoder, config, o.prompt(), o.chat(), "--prompt");
            DeviceRule.DeviceChoice device = driver.device();
            ClampSweep sweep;
            try (DecoderModel model = driver.load(device)) {
                sweep = new ClampSweeper(model).sweep(prompt, List.of(neuron), o.values().values(), target,
                        o.scope()).get(0);
            }
            List<String> top1 = new ArrayList<>();
            for (SweepPoint p : sweep.points()) {
                top1.add(encoder.token(p.stats().top1Id()));
            }
            Optional<ForwardWrite.Published> published = o.atlas() == null ? Optional.empty()
                    : Optional.of(publish(o, resolved.text(), driver, sweep, encoder, device.label()));
            String note = resolved.othersNote(encoder.tokens(), "--target-id");
            return new ClampOutcome(sweep, resolved.text(), target, note, top1,
                    encoder.token(sweep.baseline().top1Id()), device.label(), published);
        }
    }

    /** Writes the curve to clamp_sweeps, published under the neuron and target's subject. */
    private ForwardWrite.Published publish(ClampOptions o, String target, DriverRun driver, ClampSweep sweep,
                                           PromptEncoder encoder, String device) throws Exception {
        String subject = subject(sweep);
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("neuron", sweep.neuron().label());
        parameters.put("target_id", Integer.toString(sweep.targetId()));
        parameters.put("prompt", o.prompt());
        parameters.put("chat", Boolean.toString(o.chat()));
        parameters.put("values", o.values().toString());
        parameters.put("scope", o.scope().label());
        String fingerprint = driver.fingerprint();
        SparkSession session = spark.get();
        return ForwardWrite.write(session, o.atlas(), OutputKind.VALIDATION, o.model().checkpoint(), subject,
                fingerprint, new ForwardParameters(parameters), listener, run -> {
                    try (TableFile file = ForwardWrite.driverFile(session, run, ForwardTables.CLAMP_SWEEPS,
                            ForwardTables.CLAMP_SWEEPS_FILE)) {
                        ForwardTables.writeSweep(file, subject, 0, o.prompt(), sweep, target, encoder::token);
                        file.commit();
                    }
                    return driver.record(run.id(), "clamp", subject, fingerprint, parameters, session, device);
                });
    }

    /** The catalog subject of one neuron's curve for one target: "clamp-L25.1442-t18964". */
    public static String subject(ClampSweep sweep) {
        return "clamp-" + sweep.neuron().label() + "-t" + sweep.targetId();
    }
}
