package io.neuronatlas.cli;

import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.jobs.DriftJob;
import io.neuronatlas.jobs.DriftOptions;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.TerminalText;
import io.neuronatlas.query.TextTable;
import java.io.PrintStream;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import scopt.OParser;

/** {@code drift}: per neuron, how far a checkpoint moved from a base checkpoint; a summary, by layer, most moved. */
final class DriftCommand implements Command {

    static final class Args {
        String atlas;
        String base;
        String model;
        String checkpoint;
        String device = DeviceMode.AUTO.label();
        boolean force;
        int limit = 20;
        String master;
    }

    @Override
    public String name() {
        return "drift";
    }

    @Override
    public String summary() {
        return "per neuron, how far a checkpoint moved from a base: weights, vocabulary distributions, top tokens";
    }

    @Override
    public int run(String[] argv, PrintStream raw, PrintStream err) throws Exception {
        PrintStream out = TerminalText.console(raw);
        Scopt<Args> s = new Scopt<>();
        OParser<?, Args> parser = s.parser("neuron-atlas drift",
                "Compares every neuron the base's map covers with the same neuron of another checkpoint of the same "
                        + "shapes and vocabulary (say the Instruct model): cosine of the weight vectors, KL divergence "
                        + "both ways and Jensen-Shannon distance of their softmax distributions over the vocabulary, "
                        + "whether the top token is kept, Jaccard of the top-k sets per polarity. Writes the "
                        + "neuron_drift table into the atlas and prints a summary, drift by layer and the neurons that "
                        + "moved most.",
                s.string("atlas", "DIR", "the atlas holding the base's map", (a, v) -> a.atlas = v).required(),
                s.string("base", "CHECKPOINT", "the base checkpoint, mapped in the atlas", (a, v) -> a.base = v)
                        .required(),
                s.string("model", "DIR", "the checkpoint to compare: a model folder (or leave it out and name "
                        + "another mapped checkpoint with --checkpoint)", (a, v) -> a.model = v),
                s.string("checkpoint", "NAME", "its name (default: the model folder's name)",
                        (a, v) -> a.checkpoint = v),
                s.string("device", "auto|cpu|gpu", "as map's --device (default auto)", (a, v) -> a.device = v),
                s.flag("force", "compare again even when the published drift is up to date", a -> a.force = true),
                s.integer("limit", "N", "most moved neurons to print (default 20)", (a, v) -> a.limit = v),
                s.string("master", "URL", "Spark master (default local[*])", (a, v) -> a.master = v));
        Scopt.Parsed<Args> parsed = Scopt.parse(parser, argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Args a = parsed.options();
        if (a.limit < 1) {
            throw new IllegalArgumentException("--limit must be positive, found " + a.limit);
        }
        DriftOptions options = DriftOptions.builder(a.atlas, a.base).model(a.model == null ? null : Path.of(a.model))
                .checkpoint(a.checkpoint).device(DeviceMode.parse(a.device)).force(a.force).build();
        SparkSession spark = Sessions.open("neuron-atlas drift " + options.checkpoint(), a.master);
        new DriftJob(spark, out).drift(options);
        Atlas atlas = Atlas.open(spark, a.atlas);
        out.printf("%n%s against %s, per matrix and overall (kept_share: neurons keeping their '+' top token)%n",
                options.checkpoint(), options.base());
        out.print(TextTable.render(atlas.drift("drift-summary", options.base(), options.checkpoint()),
                Integer.MAX_VALUE));
        out.printf("%nper matrix and layer%n");
        out.print(TextTable.render(atlas.drift("drift-by-layer", options.base(), options.checkpoint()),
                Integer.MAX_VALUE));
        out.printf("%nneurons that moved most (Jensen-Shannon distance of their vocabulary distributions)%n");
        out.print(TextTable.render(atlas.drift("drift-moved", options.base(), options.checkpoint()), a.limit));
        return 0;
    }
}
