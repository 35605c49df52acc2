package io.neuronatlas.cli;

import io.neuronatlas.atlas.ForwardParameters;
import io.neuronatlas.atlas.ForwardTables;
import io.neuronatlas.atlas.OutputKind;
import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.atlas.TableFile;
import io.neuronatlas.checkpoint.ForwardConfig;
import io.neuronatlas.checkpoint.tokenizer.PromptEncoder;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.compute.forward.Clamp;
import io.neuronatlas.compute.forward.ClampScope;
import io.neuronatlas.compute.forward.Clamps;
import io.neuronatlas.compute.forward.DecoderModel;
import io.neuronatlas.compute.forward.Generation;
import io.neuronatlas.compute.forward.GenerationOptions;
import io.neuronatlas.compute.forward.Generator;
import io.neuronatlas.jobs.ForwardWrite;
import io.neuronatlas.query.ResultFormat;
import io.neuronatlas.query.TerminalText;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import scopt.OParser;

/**
 * {@code generate}: continuations of a prompt by the unsteered model and by the model with neurons clamped (the
 * paper's Figure 4), sample by sample side by side. Both use the same seed, so sample i of each starts from the same
 * random stream; the same seed gives the same text.
 */
final class GenerateCommand implements Command {
    static final class Args extends ForwardOptions.Args {
        List<String> clamps = new ArrayList<>();
        ClampScope scope = ClampScope.ALL;
        int samples = 8;
        int maxTokens = 64;
        double temperature = 0.7;
        double topP = 0.9;
        long seed = 1;
    }

    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String summary() {
        return "baseline and steered generations side by side, neurons clamped (Figure 4)";
    }

    @Override
    public int run(String[] argv, PrintStream raw, PrintStream err) throws Exception {
        Scopt<Args> s = new Scopt<>();
        List<OParser<?, Args>> options = new ArrayList<>(ForwardOptions.model(s));
        options.addAll(ForwardOptions.prompt(s));
        options.add(s.string("clamp", "NEURON=VALUE", "hold a neuron at a value while generating, e.g. "
                + "L25.1442=145; repeat for several", (a, v) -> a.clamps.add(v)).unbounded());
        options.add(s.string("scope", "all|last", "clamp at every position (default, as the paper) or only at the "
                + "last position of each step", (a, v) -> a.scope = ClampScope.parse(v)));
        options.add(s.integer("samples", "N", "continuations of each model (default 8)", (a, v) -> a.samples = v));
        options.add(s.integer("max-tokens", "N", "new tokens at most per continuation; the config's eos ids stop "
                + "one sooner (default 64)", (a, v) -> a.maxTokens = v));
        options.add(s.decimal("temperature", "T", "0 decodes greedily (default 0.7)", (a, v) -> a.temperature = v));
        options.add(s.decimal("top-p", "P", "nucleus sampling in (0, 1] (default 0.9)", (a, v) -> a.topP = v));
        options.add(s.string("seed", "N", "the same seed gives the same text (default 1)",
                (a, v) -> a.seed = seed(v)));
        options.addAll(ForwardOptions.output(s, ForwardTables.GENERATIONS));
        @SuppressWarnings("unchecked")
        OParser<?, Args>[] all = options.toArray(new OParser[0]);
        Scopt.Parsed<Args> parsed = Scopt.parse(s.parser("neuron-atlas generate", "Samples continuations of "
                + "the prompt from the model as it is and from the model with the --clamp neurons held at their "
                + "values, and prints them side by side.", all), argv, new Args(), raw, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Args a = parsed.options();
        PrintStream out = a.format == ResultFormat.TABLE ? TerminalText.console(raw) : raw;
        GenerationOptions generation = new GenerationOptions(a.samples, a.maxTokens, a.temperature, a.topP, a.seed);
        long t0 = System.nanoTime();
        Instant started = Instant.now();
        ForwardConfig config = ForwardOptions.config(a);
        List<Clamp> clampList = new ArrayList<>();
        for (String c : a.clamps) {
            clampList.add(Clamp.parse(c, config.model()));
        }
        Clamps clamps = new Clamps(clampList, a.scope);
        try (PromptEncoder encoder = ForwardOptions.encoder(a, config)) {
            int[] prompt = ForwardOptions.prompt(a, encoder, config);
            DeviceRule.DeviceChoice device = ForwardOptions.device(a);
            List<Generation> baseline;
            List<Generation> steered;
            try (DecoderModel model = ForwardOptions.load(a, device)) {
                Generator generator = new Generator(model);
                baseline = generator.generate(prompt, Clamps.none(), generation);
                steered = clamps.isEmpty() ? List.of() : generator.generate(prompt, clamps, generation);
            }
            List<String> columns = new ArrayList<>(List.of("sample", "baseline", "baseline_eos"));
            if (!clamps.isEmpty()) {
                columns.addAll(List.of("steered", "steered_eos"));
            }
            List<Object[]> rows = new ArrayList<>();
            for (int i = 0; i < baseline.size(); i++) {
                List<Object> row = new ArrayList<>(List.of(i, encoder.decode(baseline.get(i).tokens(), true),
                        baseline.get(i).endedAtEos()));
                if (!clamps.isEmpty()) {
                    row.add(encoder.decode(steered.get(i).tokens(), true));
                    row.add(steered.get(i).endedAtEos());
                }
                rows.add(row.toArray());
            }
            if (a.format == ResultFormat.TABLE) {
                out.printf("Generations from \"%s\" (%d prompt tokens), steered by %s; temperature %s, top-p %s, "
                                + "seed %d, %s%n", a.prompt, prompt.length, clamps, a.temperature, a.topP, a.seed,
                        device.label());
            }
            a.format.print(columns.toArray(String[]::new), rows, out);
            if (a.atlas != null) {
                List<Generation> both = new ArrayList<>(baseline);
                both.addAll(steered);
                publish(a, clamps, both, encoder, started, t0, device.label(), out);
            }
        }
        return 0;
    }

    private static long seed(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--seed must be a whole number, found '" + text + "'", e);
        }
    }

    private static void publish(Args a, Clamps clamps, List<Generation> generations, PromptEncoder encoder,
                                Instant started, long t0, String device, PrintStream out) throws Exception {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("prompt", a.prompt);
        parameters.put("chat", Boolean.toString(a.chat));
        parameters.put("clamps", clamps.toString());
        parameters.put("samples", Integer.toString(a.samples));
        parameters.put("max_tokens", Integer.toString(a.maxTokens));
        parameters.put("temperature", Double.toString(a.temperature));
        parameters.put("top_p", Double.toString(a.topP));
        parameters.put("seed", Long.toString(a.seed));
        String subject = subject(parameters);
        String fingerprint = ForwardOptions.fingerprint(a);
        String checkpoint = a.checkpointName();
        SparkSession spark = Sessions.open("neuron-atlas generate", a.master);
        ForwardWrite.Published published = ForwardWrite.write(spark, a.atlas, OutputKind.GENERATIONS, checkpoint,
                subject, fingerprint, new ForwardParameters(parameters), PublishListener.NONE, run -> {
                    try (TableFile file = ForwardWrite.driverFile(spark, run, ForwardTables.GENERATIONS,
                            ForwardTables.GENERATIONS_FILE)) {
                        for (Generation g : generations) {
                            ForwardTables.writeGeneration(file, g, a.prompt, encoder.decode(g.tokens(), true),
                                    a.temperature, a.topP, a.seed);
                        }
                        file.commit();
                    }
                    return ForwardOptions.driverRecord(a, run.id(), "generate", checkpoint, subject, fingerprint,
                            parameters, spark, started, t0, device);
                });
        if (a.format == ResultFormat.TABLE) {
            out.printf("%s %s in %s: %s (run %s)%n", ForwardTables.GENERATIONS, checkpoint, a.atlas,
                    published.ran() ? "written (" + published.reason() + ")" : "up to date", published.run());
        }
    }

    /** The catalog subject of one prompt, steering and sampling: "g-" and 16 hex digits of their SHA-256. */
    static String subject(Map<String, String> parameters) {
        return "g-" + ForwardParameters.digest(new TreeMap<>(parameters).toString());
    }
}
