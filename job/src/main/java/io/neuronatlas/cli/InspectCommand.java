package io.neuronatlas.cli;

import io.neuronatlas.checkpoint.Architecture;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.Experts;
import io.neuronatlas.checkpoint.MlpBlock;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.ModelConfig;
import io.neuronatlas.checkpoint.safetensors.TensorInfo;
import io.neuronatlas.compute.device.Calibration;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.plan.MapOptions;
import io.neuronatlas.plan.MapPlan;
import io.neuronatlas.plan.MapPlanner;
import io.neuronatlas.plan.MemoryBudget;
import io.neuronatlas.plan.ShardPlanner;
import io.neuronatlas.query.TerminalText;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkConf;
import scopt.OParser;

/** {@code inspect}: what a map of this folder would read and do, from config.json and headers only. */
final class InspectCommand implements Command {

    static final class Args extends MapCommand.Args {
        double gflops;
    }

    @Override
    public String name() {
        return "inspect";
    }

    @Override
    public String summary() {
        return "architecture, shapes, dtypes, planned shards, FLOPs and estimated time, from headers only";
    }

    @Override
    public int run(String[] argv, PrintStream raw, PrintStream err) throws Exception {
        PrintStream out = TerminalText.console(raw);
        Scopt<MapCommand.Args> s = new Scopt<>();
        List<OParser<?, MapCommand.Args>> options = new ArrayList<>();
        options.add(s.string("model", "DIR", "Hugging Face model folder",
                (a, v) -> a.options.modelDir(Path.of(v))).required());
        options.addAll(MapCommand.planOptions(s));
        options.add(s.string("gflops", "RATE", "assumed device speed for the time estimate; default: measure this "
                + "machine's CPU with a short matrix product", (a, v) -> ((Args) a).gflops = Double.parseDouble(v)));
        @SuppressWarnings("unchecked")
        OParser<?, MapCommand.Args>[] all = options.toArray(new OParser[0]);
        OParser<?, MapCommand.Args> parser = s.parser("neuron-atlas inspect", "Reads config.json and the "
                + "safetensors headers (no weights) and prints what a map would do; under spark-submit its shards "
                + "are sized for the executors' devices, as map's are.", all);
        Scopt.Parsed<MapCommand.Args> parsed = Scopt.parse(parser, argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Args a = (Args) parsed.options();
        MapOptions mapOptions = a.build();
        // The Spark settings spark-submit passes to its driver, as a map's driver would see them.
        boolean gpus = DeviceRule.plansForGpu(mapOptions.device(), new SparkConf());
        try (Checkpoint checkpoint = Checkpoint.open(mapOptions.modelDir())) {
            ModelConfig c = checkpoint.config();
            MapPlan plan = MapPlanner.plan(checkpoint, mapOptions, gpus, MemoryBudget.of(new SparkConf(), gpus));
            out.printf("model        %s%n", checkpoint.dir().toAbsolutePath());
            out.printf("architecture %s (%s)%n", c.modelType(), checkpoint.architecture().description());
            out.printf("shapes       layers=%d d_model=%d d_mlp=%d vocab=%d%n", c.layers(), c.dModel(), c.dMlp(),
                    c.vocab());
            printMlp(checkpoint, out);
            out.printf("lm head      %s %s%n", checkpoint.lmHeadTensor(),
                    checkpoint.lmHeadTensor().equals(checkpoint.architecture().embedTokens())
                            ? "(tied to the embedding)" : "");
            printNormAndLogits(checkpoint, out);
            Map<String, Integer> dtypes = new TreeMap<>();
            for (TensorInfo t : checkpoint.weights().tensors()) {
                dtypes.merge(t.dtype().toString(), 1, Integer::sum);
            }
            out.printf("tensors      %d in %d file(s), %.2f GB; dtypes %s%n", checkpoint.weights().tensors().size(),
                    checkpoint.weights().files().size(), checkpoint.weights().totalBytes() / 1e9, dtypes);
            double flops = ShardPlanner.flops(c, plan.neurons());
            out.printf("plan         %s, %d layer(s): %,d neurons in %d shards of up to %d (sized for the %s)%n",
                    plan.matrices(), plan.layers().size(), plan.neurons(), plan.shards().size(), plan.shardSize(),
                    gpus ? "GPU" : "CPU");
            double rate = a.gflops;
            String source = "as given by --gflops";
            if (rate <= 0) {
                rate = Calibration.measureCpuGflops(c.dModel(), Math.min(c.vocab(), 32768));
                source = "measured on this machine's CPU";
            }
            out.printf(Locale.ROOT, "work         %.2f TFLOP; at %.0f GFLOP/s (%s) about %s%n", flops / 1e12, rate,
                    source, duration(flops / (rate * 1e9)));
        }
        return 0;
    }

    /** Where layer 0's neurons are, and how many neurons the model has. */
    private static void printMlp(Checkpoint checkpoint, PrintStream out) {
        ModelConfig c = checkpoint.config();
        MlpBlock first = c.mlpBlocks(0).get(0);
        String label = "mlp";
        for (MlpMatrix m : checkpoint.architecture().matrices()) {
            out.printf("%-12s %-5s %s%n", label, m.label(), checkpoint.neurons(m, 0, first.expert()).describe());
            label = "";
        }
        Experts experts = c.experts();
        if (experts.any()) {
            out.printf("experts      %d per sparse layer of %,d neurons%s%s%n", experts.count(), experts.width(),
                    experts.sharedWidth() > 0 ? ", and a shared expert of " + String.format(Locale.ROOT, "%,d",
                            experts.sharedWidth()) : "",
                    experts.denseLayers().isEmpty() ? "" : "; dense layers " + experts.denseLayers() + " of "
                            + String.format(Locale.ROOT, "%,d", c.dMlp()));
        }
        long perMatrix = 0;
        for (int layer = 0; layer < c.layers(); layer++) {
            perMatrix += c.neuronsPerLayer(layer);
        }
        int matrices = checkpoint.architecture().matrices().size();
        out.printf(Locale.ROOT, "neurons      %,d per matrix and layer%s, %,d per matrix, %,d in %d matrices%n",
                c.neuronsPerLayer(c.layers() - 1), experts.any() ? " (all experts)" : "", perMatrix,
                perMatrix * matrices, matrices);
    }

    private static void printNormAndLogits(Checkpoint checkpoint, PrintStream out) {
        Architecture a = checkpoint.architecture();
        out.printf("final norm   %s%s (%s)%s%n", a.finalNorm(), a.finalNormBias() == null ? "" : " + "
                + a.finalNormBias(), a.norm().formula(), a.norm().hasBias()
                ? "; --fold-norm adds U·b to every score" : "");
        double cap = checkpoint.config().logitSoftcap();
        if (cap > 0) {
            out.printf(Locale.ROOT, "logits       final_logit_softcapping %g: prob and normalized_prob from "
                    + "%g·tanh(score/%g); scores stay the dot product%n", cap, cap, cap);
        }
    }

    static String duration(double seconds) {
        if (seconds < 120) {
            return String.format(Locale.ROOT, "%.1f s", seconds);
        }
        return seconds < 7200 ? String.format(Locale.ROOT, "%.1f min", seconds / 60)
                : String.format(Locale.ROOT, "%.1f h", seconds / 3600);
    }
}
