package io.neuronatlas.jobs;

import io.neuronatlas.atlas.ForwardParameters;
import io.neuronatlas.atlas.ForwardTables;
import io.neuronatlas.atlas.OutputKind;
import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.atlas.TableFile;
import io.neuronatlas.checkpoint.ForwardConfig;
import io.neuronatlas.checkpoint.tokenizer.PromptEncoder;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.compute.forward.Clamp;
import io.neuronatlas.compute.forward.Clamps;
import io.neuronatlas.compute.forward.DecoderModel;
import io.neuronatlas.compute.forward.Generation;
import io.neuronatlas.compute.forward.GenerationOptions;
import io.neuronatlas.compute.forward.Generator;
import io.neuronatlas.compute.forward.PromptInput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;

/**
 * generate: continuations of a prompt by the unsteered model and by the model with neurons clamped (the paper's
 * Figure 4), computed on the driver. Both use the same seed, so sample i of each starts from the same random
 * stream; the same seed gives the same text. Published in generations when an atlas is given.
 */
public final class GenerateJob {
    private final Supplier<SparkSession> spark;
    private final PublishListener listener;

    /** @param spark opened only to publish, so a generate that writes nothing starts no Spark */
    public GenerateJob(Supplier<SparkSession> spark, PublishListener listener) {
        this.spark = spark;
        this.listener = listener;
    }

    public GenerateOutcome generate(GenerateOptions o) throws Exception {
        DriverRun driver = new DriverRun(o.model());
        ForwardConfig config = driver.config();
        List<Clamp> clampList = new ArrayList<>();
        for (String c : o.clamps()) {
            clampList.add(Clamp.parse(c, config.model()));
        }
        Clamps clamps = new Clamps(clampList, o.scope());
        try (PromptEncoder encoder = driver.encoder(config)) {
            int[] prompt = PromptInput.encode(encoder, config, o.prompt(), o.chat(), "--prompt");
            DeviceRule.DeviceChoice device = driver.device();
            List<Generation> baseline;
            List<Generation> steered;
            try (DecoderModel model = driver.load(device)) {
                Generator generator = new Generator(model);
                baseline = generator.generate(prompt, Clamps.none(), o.generation());
                steered = clamps.isEmpty() ? List.of() : generator.generate(prompt, clamps, o.generation());
            }
            List<GenerateOutcome.Sample> baselineSamples = samples(baseline, encoder);
            List<GenerateOutcome.Sample> steeredSamples = samples(steered, encoder);
            Optional<ForwardWrite.Published> published = Optional.empty();
            if (o.atlas() != null) {
                List<GenerateOutcome.Sample> both = new ArrayList<>(baselineSamples);
                both.addAll(steeredSamples);
                published = Optional.of(publish(o, driver, clamps, both, device.label()));
            }
            return new GenerateOutcome(prompt.length, clamps, baselineSamples, steeredSamples, device.label(),
                    published);
        }
    }

    private static List<GenerateOutcome.Sample> samples(List<Generation> generations, PromptEncoder encoder) {
        List<GenerateOutcome.Sample> samples = new ArrayList<>();
        for (Generation g : generations) {
            samples.add(new GenerateOutcome.Sample(g, encoder.decode(g.tokens(), true)));
        }
        return samples;
    }

    private ForwardWrite.Published publish(GenerateOptions o, DriverRun driver, Clamps clamps,
                                           List<GenerateOutcome.Sample> samples, String device) throws Exception {
        GenerationOptions g = o.generation();
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("prompt", o.prompt());
        parameters.put("chat", Boolean.toString(o.chat()));
        parameters.put("clamps", clamps.toString());
        parameters.put("samples", Integer.toString(g.samples()));
        parameters.put("max_tokens", Integer.toString(g.maxTokens()));
        parameters.put("temperature", Double.toString(g.temperature()));
        parameters.put("top_p", Double.toString(g.topP()));
        parameters.put("seed", Long.toString(g.seed()));
        String subject = subject(parameters);
        String fingerprint = driver.fingerprint();
        SparkSession session = spark.get();
        return ForwardWrite.write(session, o.atlas(), OutputKind.GENERATIONS, o.model().checkpoint(), subject,
                fingerprint, new ForwardParameters(parameters), listener, run -> {
                    try (TableFile file = ForwardWrite.driverFile(session, run, ForwardTables.GENERATIONS,
                            ForwardTables.GENERATIONS_FILE)) {
                        for (GenerateOutcome.Sample s : samples) {
                            ForwardTables.writeGeneration(file, s.generation(), o.prompt(), s.text(),
                                    g.temperature(), g.topP(), g.seed());
                        }
                        file.commit();
                    }
                    return driver.record(run.id(), "generate", subject, fingerprint, parameters, session, device);
                });
    }

    /** The catalog subject of one prompt, steering and sampling: "g-" and 16 hex digits of their SHA-256. */
    public static String subject(Map<String, String> parameters) {
        return "g-" + ForwardParameters.digest(new TreeMap<>(parameters).toString());
    }
}
