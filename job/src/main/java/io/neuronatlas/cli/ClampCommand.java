package io.neuronatlas.cli;

import io.neuronatlas.atlas.ForwardTables;
import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.compute.forward.ClampSweep;
import io.neuronatlas.compute.forward.SweepPoint;
import io.neuronatlas.jobs.ClampJob;
import io.neuronatlas.jobs.ClampOptions;
import io.neuronatlas.jobs.ClampOutcome;
import io.neuronatlas.jobs.DecoderOptions;
import io.neuronatlas.query.ResultFormat;
import io.neuronatlas.query.TerminalText;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import scopt.OParser;

/**
 * {@code clamp}: parses the flags into {@link ClampOptions}, runs {@link ClampJob} and prints its curve: the
 * target's probability, logit and rank and the top-1 token at each clamp value, with the unclamped baseline and the
 * neuron's natural activation.
 */
final class ClampCommand implements Command {
    static final String[] COLUMNS = {"value", "target_prob", "target_logit", "target_rank", "top1_token",
        "top1_prob"};

    static final class Args extends ForwardOptions.Args<ClampOptions.Builder> {
        /** Kept here too, for the check that exactly one of them is given. */
        String target;
        Integer targetId;

        Args() {
            super(ClampOptions.builder());
        }
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
        options.addAll(ForwardOptions.prompt(s, (o, v) -> o.prompt(v)));
        options.add(s.string("neuron", "L<layer>.<index>", "the neuron: L25.1442, or L25.up.1442 as the atlas "
                + "prints it (layers from 0, as in the tensor names); in a mixture of experts an expert's neuron, "
                + "L3.E5.114 (L3.e5.up.114 as the atlas's neuron_id) or L3.shared.114, which is set wherever the "
                + "expert processes a token: at the tokens the router sends to it, its output still weighted by the "
                + "router (clamping does not route more tokens to it)", (a, v) -> a.options.neuron(v)).required());
        options.add(s.string("target", "TOKEN", "the token whose probability to follow, with its leading space: "
                + "\" dog\"; the id the model emits for it (docs/target-tokens.md)", (a, v) -> a.target = v));
        options.add(s.integer("target-id", "N", "the token id to follow, instead of --target: for exactness where "
                + "several ids render the same text", (a, v) -> a.targetId = v));
        options.add(s.builder().checkConfig(a -> (a.target == null) == (a.targetId == null)
                ? s.builder().failure("give either --target TOKEN or --target-id N") : s.builder().success()));
        options.add(s.string("values", "START:STOP:COUNT", "clamp values, COUNT from START to STOP inclusive "
                + ForwardOptions.byDefault(DecoderOptions.DEFAULT_VALUES.text()), (a, v) -> a.later(o -> o.values(v))));
        options.add(ForwardOptions.scope(s));
        options.addAll(ForwardOptions.output(s, ForwardTables.CLAMP_SWEEPS));
        @SuppressWarnings("unchecked")
        OParser<?, Args>[] all = options.toArray(new OParser[0]);
        Scopt.Parsed<Args> parsed = Scopt.parse(s.parser("neuron-atlas clamp", "Holds one MLP neuron's "
                + "activation (act(gate)*up, or act(up) for GPT-2 and GPT-NeoX: the input of the MLP's output "
                + "projection) at each value and runs the model on the prompt: the target's probability, logit and "
                + "rank and the top-1 next token per value, the unclamped "
                + "baseline and the neuron's natural activation at the last position.", all), argv, new Args(),
                raw, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Args a = parsed.options();
        ClampOptions o = a.filled().target(a.target).targetId(a.targetId).build();
        PrintStream out = a.format == ResultFormat.TABLE ? TerminalText.console(raw) : raw;
        ClampOutcome outcome = new ClampJob(() -> Sessions.open("neuron-atlas clamp", a.master),
                PublishListener.NONE).clamp(o);
        ClampSweep sweep = outcome.sweep();
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < sweep.points().size(); i++) {
            SweepPoint p = sweep.points().get(i);
            rows.add(new Object[] {p.value(), p.stats().targetProb(), p.stats().targetLogit(),
                p.stats().targetRank(), outcome.top1Tokens().get(i), p.stats().top1Prob()});
        }
        if (a.format == ResultFormat.TABLE) {
            out.printf("Clamp %s on \"%s\", target \"%s\" (id %d), scope %s%n", sweep.neuron(), o.prompt(),
                    outcome.target(), outcome.targetId(), o.scope().label());
            if (!outcome.note().isEmpty()) {
                out.println(outcome.note());
            }
            out.println(String.format(Locale.ROOT, "unclamped: target p=%.4g, rank %d, top-1 \"%s\" p=%.4g; "
                            + "natural activation of %s at the last position %.4g (%d prompt tokens, %s)",
                    sweep.baseline().targetProb(), sweep.baseline().targetRank(), outcome.baselineTop1(),
                    sweep.baseline().top1Prob(), sweep.neuron(), sweep.naturalActivation(), sweep.promptLength(),
                    outcome.device()));
        }
        if (a.format != ResultFormat.TABLE && !outcome.note().isEmpty()) {
            err.println(outcome.note());
        }
        a.format.print(COLUMNS, rows, out);
        if (a.format == ResultFormat.TABLE) {
            outcome.published().ifPresent(published -> out.printf("%s %s in %s: %s (run %s)%n",
                    ForwardTables.CLAMP_SWEEPS, o.model().checkpoint(), o.atlas(), published.ran()
                            ? "written (" + published.reason() + ")" : "up to date", published.run()));
        }
        return 0;
    }
}
