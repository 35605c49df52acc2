package io.neuronatlas.cli;

import io.neuronatlas.compute.CensusRule;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.jobs.MapJob;
import io.neuronatlas.plan.MapOptions;
import io.neuronatlas.query.TerminalText;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import scopt.OParser;

/** {@code map}: every neuron of the chosen matrices and layers through the LM head, into an atlas. */
final class MapCommand implements Command {

    /**
     * What scopt fills in: the map's options, and how to run them (one folder or a folder of them, which master).
     * Values are checked when the options are built, right after parsing, so a bad value is an error naming its
     * option (exit 1) rather than a usage error.
     */
    static class Args extends OptionsArgs<MapOptions.Builder> {
        String modelsDir;

        Args() {
            super(MapOptions.builder(null, null));
        }

        MapOptions build() {
            return filled().build();
        }
    }

    @Override
    public String name() {
        return "map";
    }

    @Override
    public String summary() {
        return "map every MLP neuron of a model folder into vocabulary space (Parquet atlas)";
    }

    /** The options that say what to map; inspect shares them, so it plans exactly what map would. */
    static List<OParser<?, Args>> planOptions(Scopt<Args> s) {
        return List.of(
                s.string("matrices", "LIST", "comma list of gate, up, down (default: every matrix the model has; "
                        + "an MLP that is not gated, GPT-2's or GPT-NeoX's, has up and down only)",
                        (a, v) -> a.options.matrices(v)),
                s.string("layers", "LIST", "layers and ranges, e.g. 0-15,20 (default " + MapOptions.ALL_LAYERS + ")",
                        (a, v) -> a.options.layers(v)),
                s.integer("shard-size", "N", "neurons per Spark task (default: sized for the device)",
                        (a, v) -> a.options.shardSize(v)),
                s.string("device", "auto|cpu|gpu", "auto: the GPU Spark assigned the task, else CPU; gpu: fail "
                        + "rather than fall back to CPU (default " + MapOptions.DEFAULT_DEVICE.label() + ")",
                        (a, v) -> a.later(o -> o.device(DeviceMode.parse(v)))));
    }

    static OParser<?, Args> parser(String program) {
        Scopt<Args> s = new Scopt<>();
        List<OParser<?, Args>> all = new java.util.ArrayList<>(List.of(
                s.string("model", "DIR", "Hugging Face model folder: config.json, *.safetensors, tokenizer.json "
                        + "(safetensors only: pickled pytorch_model.bin is refused)",
                        (a, v) -> a.options.modelDir(Path.of(v))),
                s.string("models-dir", "DIR", "watch mode, for cron: map every subfolder of DIR that holds a "
                        + "config.json and is new or changed, each under its folder's name; one failing checkpoint "
                        + "does not stop the others; exit code 1 if any failed", (a, v) -> a.modelsDir = v),
                s.string("out", "DIR", "the atlas folder to write (created if missing; other checkpoints in it "
                        + "are kept)", (a, v) -> a.options.atlas(v)).required(),
                s.string("checkpoint", "NAME", "name of this checkpoint in the atlas (default: the model "
                        + "folder's name)", (a, v) -> a.options.checkpoint(v))));
        all.addAll(planOptions(s));
        all.addAll(List.of(
                s.integer("top-k", "K", "tokens kept per neuron and polarity (default " + MapOptions.DEFAULT_TOP_K
                        + ")", (a, v) -> a.options.topK(v)),
                s.flag("fold-norm", "fold the final norm into the LM head first (TransformerLens fold_ln): "
                        + "RMSNorm weight w, Gemma's 1 + w, a LayerNorm's weight, and its bias as U·b added to every "
                        + "score; off by default, as the paper decodes with the raw head",
                        a -> a.options.foldNorm(true)),
                s.decimal("census-kurtosis", "K", "a down_proj neuron whose cosines with the unembedding rows "
                        + "have a Pearson kurtosis above K is a prediction (skew > 0) or suppression (skew < 0) "
                        + "neuron, Gurnee et al.'s census (default " + (int) CensusRule.DEFAULT_KURTOSIS + ")",
                        (a, v) -> a.options.censusKurtosis(v)),
                s.integer("batch-size", "N", "neurons per matrix product; memory is batch x vocab x 4 bytes "
                        + "of logits (default " + MapOptions.DEFAULT_BATCH_SIZE + ")",
                        (a, v) -> a.options.batchSize(v)),
                s.flag("force", "map even when the atlas already holds this checkpoint's map for the same "
                        + "weights and parameters (which is otherwise reported up to date, and nothing runs)",
                        a -> a.options.force(true)),
                Sessions.master(s, (a, v) -> a.master = v),
                s.string("watch", "TOKEN", "also write this token's score, prob and normalized_prob for every "
                        + "neuron to the token_profiles table (for 'profile'); the token as text with its leading "
                        + "space, e.g. \" dog\"; repeat for more tokens", (a, v) -> a.options.watch(v)).unbounded(),
                s.builder().checkConfig(a -> (a.options.modelDir() == null) == (a.modelsDir == null)
                        ? s.builder().failure("give either --model DIR (one checkpoint) or --models-dir DIR (every "
                        + "checkpoint folder in it)")
                        : a.modelsDir != null && a.options.checkpoint() != null
                        ? s.builder().failure("--checkpoint names one checkpoint; with --models-dir each checkpoint "
                        + "is named after its folder")
                        : s.builder().success())));
        @SuppressWarnings("unchecked")
        OParser<?, Args>[] options = all.toArray(new OParser[0]);
        return s.parser(program, "Projects each neuron's weight vector through the LM head and writes its top tokens "
                + "and statistics to Parquet tables partitioned by checkpoint, matrix and layer.", options);
    }

    @Override
    public int run(String[] argv, PrintStream raw, PrintStream err) throws Exception {
        PrintStream out = TerminalText.console(raw);
        Scopt.Parsed<Args> parsed = Scopt.parse(parser("neuron-atlas map"), argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Args a = parsed.options();
        if (a.modelsDir != null) {
            SparkSession spark = Sessions.open("neuron-atlas map --models-dir " + a.modelsDir, a.master);
            return new ModelsDirMap(new MapJob(spark, out), out).run(Path.of(a.modelsDir),
                    dir -> {
                        a.options.modelDir(dir);
                        return a.build();
                    });
        }
        MapOptions options = a.build();
        SparkSession spark = Sessions.open("neuron-atlas map " + options.checkpoint(), a.master);
        new MapJob(spark, out).map(options);
        return 0;
    }
}
