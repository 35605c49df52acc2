package io.neuronatlas.cli;

import io.neuronatlas.atlas.ForwardTables;
import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.compute.forward.ClampScope;
import io.neuronatlas.compute.forward.GenerationOptions;
import io.neuronatlas.jobs.GenerateJob;
import io.neuronatlas.jobs.GenerateOptions;
import io.neuronatlas.jobs.GenerateOutcome;
import io.neuronatlas.query.ResultFormat;
import io.neuronatlas.query.TerminalText;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import scopt.OParser;

/**
 * {@code generate}: parses the flags into {@link GenerateOptions}, runs {@link GenerateJob} and prints the
 * unsteered and the steered continuations side by side, sample by sample.
 */
final class GenerateCommand implements Command {
    static final class Args extends ForwardOptions.Args<GenerateOptions.Builder> {
        Args() {
            super(GenerateOptions.builder());
        }
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
        options.addAll(ForwardOptions.prompt(s, (o, v) -> o.prompt(v)));
        options.add(s.string("clamp", "NEURON=VALUE", "hold a neuron at a value while generating, e.g. "
                + "L25.1442=145 or an expert's L3.E5.114=20 (set where the router sends a token to the expert); "
                + "repeat for several", (a, v) -> a.options.clamp(v)).unbounded());
        options.add(s.string("scope", "all|last", "clamp at every position (default, as the paper) or only at the "
                + "last position of each step", (a, v) -> a.options.scope(ClampScope.parse(v))));
        options.add(s.integer("samples", "N", "continuations of each model "
                + ForwardOptions.byDefault(GenerateOptions.DEFAULT_SAMPLES), (a, v) -> a.options.samples(v)));
        options.add(s.integer("max-tokens", "N", "new tokens at most per continuation; the config's eos ids stop "
                + "one sooner " + ForwardOptions.byDefault(GenerateOptions.DEFAULT_MAX_TOKENS),
                (a, v) -> a.options.maxTokens(v)));
        options.add(s.decimal("temperature", "T", "0 decodes greedily "
                + ForwardOptions.byDefault(GenerateOptions.DEFAULT_TEMPERATURE), (a, v) -> a.options.temperature(v)));
        options.add(s.decimal("top-p", "P", "nucleus sampling in (0, 1] "
                + ForwardOptions.byDefault(GenerateOptions.DEFAULT_TOP_P), (a, v) -> a.options.topP(v)));
        options.add(s.string("seed", "N", "the same seed gives the same text "
                + ForwardOptions.byDefault(GenerateOptions.DEFAULT_SEED), (a, v) -> a.options.seed(v)));
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
        GenerateOptions o = a.filled().build();
        PrintStream out = a.format == ResultFormat.TABLE ? TerminalText.console(raw) : raw;
        GenerateOutcome outcome = new GenerateJob(() -> Sessions.open("neuron-atlas generate", a.master),
                PublishListener.NONE).generate(o);
        boolean steered = !outcome.clamps().isEmpty();
        List<String> columns = new ArrayList<>(List.of("sample", "baseline", "baseline_eos"));
        if (steered) {
            columns.addAll(List.of("steered", "steered_eos"));
        }
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < outcome.baseline().size(); i++) {
            List<Object> row = new ArrayList<>(List.of(i, outcome.baseline().get(i).text(),
                    outcome.baseline().get(i).endedAtEos()));
            if (steered) {
                row.add(outcome.steered().get(i).text());
                row.add(outcome.steered().get(i).endedAtEos());
            }
            rows.add(row.toArray());
        }
        GenerationOptions g = o.generation();
        if (a.format == ResultFormat.TABLE) {
            out.printf("Generations from \"%s\" (%d prompt tokens), steered by %s; temperature %s, top-p %s, "
                            + "seed %d, %s%n", o.prompt(), outcome.promptTokens(), outcome.clamps(), g.temperature(),
                    g.topP(), g.seed(), outcome.device());
        }
        a.format.print(columns.toArray(String[]::new), rows, out);
        if (a.format == ResultFormat.TABLE) {
            outcome.published().ifPresent(published -> out.printf("%s %s in %s: %s (run %s)%n",
                    ForwardTables.GENERATIONS, o.model().checkpoint(), o.atlas(), published.ran()
                            ? "written (" + published.reason() + ")" : "up to date", published.run()));
        }
        return 0;
    }
}
