package io.neuronatlas.cli;

import io.neuronatlas.atlas.ForwardParameters;
import io.neuronatlas.atlas.ForwardTables;
import io.neuronatlas.atlas.OutputKind;
import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.atlas.TableFile;
import io.neuronatlas.checkpoint.ForwardConfig;
import io.neuronatlas.checkpoint.tokenizer.PromptEncoder;
import io.neuronatlas.checkpoint.tokenizer.TargetResolver;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.compute.forward.ClampScope;
import io.neuronatlas.compute.forward.ClampSweep;
import io.neuronatlas.compute.forward.ClampSweeper;
import io.neuronatlas.compute.forward.DecoderModel;
import io.neuronatlas.compute.forward.NeuronRef;
import io.neuronatlas.compute.forward.SweepPoint;
import io.neuronatlas.compute.forward.ValueRange;
import io.neuronatlas.jobs.ForwardWrite;
import io.neuronatlas.query.ResultFormat;
import io.neuronatlas.query.TerminalText;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import scopt.OParser;

/**
 * {@code clamp}: one neuron's clamp curve on one prompt (the paper's Figure 3): the target's probability, logit and
 * rank and the top-1 token at each clamp value, with the unclamped baseline and the neuron's natural activation.
 */
final class ClampCommand implements Command {
    static final String[] COLUMNS = {"value", "target_prob", "target_logit", "target_rank", "top1_token",
        "top1_prob"};

    static final class Args extends ForwardOptions.Args {
        String neuron;
        String target;
        Integer targetId;
        String values = "-500:500:41";
        ClampScope scope = ClampScope.ALL;
    }

    @Override
    public String name() {
        return "clamp";
    }

    @Override
    public String summary() {
        return "clamp a neuron over a range of values and watch a target token's probability (Figure 3)";
    }

    @Override
    public int run(String[] argv, PrintStream raw, PrintStream err) throws Exception {
        Scopt<Args> s = new Scopt<>();
        List<OParser<?, Args>> options = new ArrayList<>(ForwardOptions.model(s));
        options.addAll(ForwardOptions.prompt(s));
        options.add(s.string("neuron", "L<layer>.<index>", "the neuron: L25.1442, or L25.up.1442 as the atlas "
                + "prints it (layers from 0, as in the tensor names)", (a, v) -> a.neuron = v).required());
        options.add(s.string("target", "TOKEN", "the token whose probability to follow, with its leading space: "
                + "\" dog\"; the id the model emits for it (docs/target-tokens.md)", (a, v) -> a.target = v));
        options.add(s.integer("target-id", "N", "the token id to follow, instead of --target: for exactness where "
                + "several ids render the same text", (a, v) -> a.targetId = v));
        options.add(s.builder().checkConfig(a -> (a.target == null) == (a.targetId == null)
                ? s.builder().failure("give either --target TOKEN or --target-id N") : s.builder().success()));
        options.add(s.string("values", "START:STOP:COUNT", "clamp values, COUNT from START to STOP inclusive "
                + "(default -500:500:41)", (a, v) -> a.values = v));
        options.add(s.string("scope", "all|last", "clamp at every position of the prompt (default, as the paper) "
                + "or only the last", (a, v) -> a.scope = ClampScope.parse(v)));
        options.addAll(ForwardOptions.output(s, ForwardTables.CLAMP_SWEEPS));
        @SuppressWarnings("unchecked")
        OParser<?, Args>[] all = options.toArray(new OParser[0]);
        Scopt.Parsed<Args> parsed = Scopt.parse(s.parser("neuron-atlas clamp", "Holds one MLP neuron's "
                + "activation (act(gate)*up, the input of down_proj) at each value and runs the model on the prompt: "
                + "the target's probability, logit and rank and the top-1 next token per value, the unclamped "
                + "baseline and the neuron's natural activation at the last position.", all), argv, new Args(),
                raw, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Args a = parsed.options();
        PrintStream out = a.format == ResultFormat.TABLE ? TerminalText.console(raw) : raw;
        ValueRange range = ValueRange.parse("--values", a.values);
        long t0 = System.nanoTime();
        Instant started = Instant.now();
        ForwardConfig config = ForwardOptions.config(a);
        NeuronRef neuron = NeuronRef.parse(a.neuron, config.model());
        ClampSweep sweep;
        List<Object[]> rows = new ArrayList<>();
        String promptLine;
        try (PromptEncoder encoder = ForwardOptions.encoder(a, config)) {
            TargetResolver.Target resolved = new TargetResolver(encoder, "--target", "--target-id")
                    .of(a.target, a.targetId);
            int target = resolved.id();
            String note = resolved.othersNote(encoder.tokens(), "--target-id");
            int[] prompt = ForwardOptions.prompt(a, encoder, config);
            DeviceRule.DeviceChoice device = ForwardOptions.device(a);
            try (DecoderModel model = ForwardOptions.load(a, device)) {
                sweep = new ClampSweeper(model).sweep(prompt, List.of(neuron), range.values(), target, a.scope)
                        .get(0);
            }
            for (SweepPoint p : sweep.points()) {
                rows.add(new Object[] {p.value(), p.stats().targetProb(), p.stats().targetLogit(),
                    p.stats().targetRank(), encoder.token(p.stats().top1Id()), p.stats().top1Prob()});
            }
            promptLine = String.format(Locale.ROOT, "unclamped: target p=%.4g, rank %d, top-1 \"%s\" p=%.4g; "
                            + "natural activation of %s at the last position %.4g (%d prompt tokens, %s)",
                    sweep.baseline().targetProb(), sweep.baseline().targetRank(),
                    encoder.token(sweep.baseline().top1Id()), sweep.baseline().top1Prob(), neuron,
                    sweep.naturalActivation(), sweep.promptLength(), device.label());
            if (a.format == ResultFormat.TABLE) {
                out.printf("Clamp %s on \"%s\", target \"%s\" (id %d), scope %s%n", neuron, a.prompt,
                        resolved.text(), target, a.scope.label());
                if (!note.isEmpty()) {
                    out.println(note);
                }
                out.println(promptLine);
            } else if (!note.isEmpty()) {
                err.println(note);
            }
            a.format.print(COLUMNS, rows, out);
            if (a.atlas != null) {
                publish(a, resolved.text(), range, sweep, encoder, started, t0, device.label(), out);
            }
        }
        return 0;
    }

    /** Writes the curve to clamp_sweeps, published under the neuron and target's subject. */
    private static void publish(Args a, String target, ValueRange range, ClampSweep sweep, PromptEncoder encoder,
                                Instant started, long t0, String device, PrintStream out) throws Exception {
        String subject = subject(sweep);
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("neuron", sweep.neuron().label());
        parameters.put("target_id", Integer.toString(sweep.targetId()));
        parameters.put("prompt", a.prompt);
        parameters.put("chat", Boolean.toString(a.chat));
        parameters.put("values", range.toString());
        parameters.put("scope", a.scope.label());
        String fingerprint = ForwardOptions.fingerprint(a);
        String checkpoint = a.checkpointName();
        SparkSession spark = Sessions.open("neuron-atlas clamp", a.master);
        ForwardWrite.Published published = ForwardWrite.write(spark, a.atlas, OutputKind.VALIDATION, checkpoint,
                subject, fingerprint, new ForwardParameters(parameters), PublishListener.NONE, run -> {
                    try (TableFile file = ForwardWrite.driverFile(spark, run, ForwardTables.CLAMP_SWEEPS,
                            ForwardTables.CLAMP_SWEEPS_FILE)) {
                        ForwardTables.writeSweep(file, subject, 0, a.prompt, sweep, target, encoder::token);
                        file.commit();
                    }
                    return ForwardOptions.driverRecord(a, run.id(), "clamp", checkpoint, subject, fingerprint,
                            parameters, spark, started, t0, device);
                });
        if (a.format == ResultFormat.TABLE) {
            out.printf("%s %s in %s: %s (run %s)%n", ForwardTables.CLAMP_SWEEPS, checkpoint, a.atlas,
                    published.ran() ? "written (" + published.reason() + ")" : "up to date", published.run());
        }
    }

    /** The catalog subject of one neuron's curve for one target: "clamp-L25.1442-t18964". */
    static String subject(ClampSweep sweep) {
        return "clamp-" + sweep.neuron().label() + "-t" + sweep.targetId();
    }
}
