package io.neuronatlas.cli;

import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.ModelConfig;
import io.neuronatlas.checkpoint.safetensors.TensorInfo;
import io.neuronatlas.compute.device.Calibration;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.plan.LayerSelection;
import io.neuronatlas.plan.MapOptions;
import io.neuronatlas.plan.Shard;
import io.neuronatlas.plan.ShardPlanner;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
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
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Scopt<Args> s = new Scopt<>();
        OParser<?, Args> parser = s.parser("neuron-atlas inspect",
                "Reads config.json and the safetensors headers (no weights) and prints what a map would do.",
                s.string("model", "DIR", "Hugging Face model folder", (a, v) -> a.model = v).required(),
                s.string("matrices", "LIST", "comma list of gate, up, down (default all)", (a, v) -> a.matrices = v),
                s.string("layers", "LIST", "layers and ranges, e.g. 0-15,20 (default all)", (a, v) -> a.layers = v),
                s.integer("shard-size", "N", "neurons per task (default: sized for the device)",
                        (a, v) -> a.shardSize = v),
                s.string("device", "cpu|gpu", "device the shards are sized for (default cpu)",
                        (a, v) -> a.device = v),
                s.string("gflops", "RATE", "assumed device speed for the time estimate; default: measure this "
                        + "machine's CPU with a short matrix product", (a, v) -> a.gflops = Double.parseDouble(v)));
        Scopt.Parsed<Args> parsed = Scopt.parse(parser, argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Args a = parsed.options();
        a.out = "unused";
        MapOptions options = a.toOptions();
        try (Checkpoint checkpoint = Checkpoint.open(Path.of(a.model))) {
            ModelConfig c = checkpoint.config();
            out.printf("model        %s%n", checkpoint.dir().toAbsolutePath());
            out.printf("architecture %s (%s)%n", c.modelType(), checkpoint.architecture().getClass().getSimpleName());
            out.printf("shapes       layers=%d d_model=%d d_mlp=%d vocab=%d%n", c.layers(), c.dModel(), c.dMlp(),
                    c.vocab());
            out.printf("lm head      %s %s%n", checkpoint.lmHeadTensor(),
                    c.tieWordEmbeddings() ? "(tied to the embedding)" : "");
            Map<String, Integer> dtypes = new TreeMap<>();
            for (TensorInfo t : checkpoint.weights().tensors()) {
                dtypes.merge(t.dtype().toString(), 1, Integer::sum);
            }
            out.printf("tensors      %d in %d file(s), %.2f GB; dtypes %s%n", checkpoint.weights().tensors().size(),
                    checkpoint.weights().files().size(), checkpoint.weights().totalBytes() / 1e9, dtypes);
            List<Integer> layers = LayerSelection.parse(a.layers, c.layers());
            boolean gpu = options.device() == DeviceMode.GPU;
            int shardSize = a.shardSize > 0 ? a.shardSize : ShardPlanner.defaultShardSize(c, gpu);
            List<Shard> shards = ShardPlanner.plan(c, options.matrices(), layers, shardSize);
            long neurons = shards.stream().mapToLong(Shard::count).sum();
            double flops = ShardPlanner.flops(c, neurons);
            out.printf("plan         %s, %d layer(s): %,d neurons in %d shards of up to %d%n",
                    options.matrices(), layers.size(), neurons, shards.size(), shardSize);
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

    static String duration(double seconds) {
        if (seconds < 120) {
            return String.format(Locale.ROOT, "%.1f s", seconds);
        }
        return seconds < 7200 ? String.format(Locale.ROOT, "%.1f min", seconds / 60)
                : String.format(Locale.ROOT, "%.1f h", seconds / 3600);
    }
}
