package io.neuronatlas.cli;

import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.jobs.MapJob;
import io.neuronatlas.plan.MapOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import scopt.OParser;

/** {@code map}: every neuron of the chosen matrices and layers through the LM head, into an atlas. */
final class MapCommand implements Command {

    /** Mutable while scopt fills it in; inspect reuses it. */
    static class Args {
        String model;
        String out;
        String checkpoint;
        String matrices = "gate,up,down";
        String layers = "all";
        int topK = MapOptions.DEFAULT_TOP_K;
        boolean foldNorm;
        int shardSize;
        int batchSize = MapOptions.DEFAULT_BATCH_SIZE;
        String device = "auto";
        String master;
        boolean force;
        String modelsDir;
        List<String> watch = new ArrayList<>();

        MapOptions toOptions() {
            return toOptions(Path.of(model), checkpoint);
        }

        MapOptions toOptions(Path modelDir, String checkpointName) {
            List<MlpMatrix> list = new ArrayList<>();
            for (String m : matrices.split(",")) {
                MlpMatrix matrix = MlpMatrix.fromLabel(m);
                if (!list.contains(matrix)) {
                    list.add(matrix);
                }
            }
            return new MapOptions(modelDir, out, checkpointName, list, layers, topK, foldNorm, shardSize,
                    batchSize, DeviceMode.parse(device), watch, force);
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

    static OParser<?, Args> parser(String program) {
        Scopt<Args> s = new Scopt<>();
        return s.parser(program, "Projects each neuron's weight vector through the LM head and writes its top tokens "
                        + "and statistics to Parquet tables partitioned by checkpoint, matrix and layer.",
                s.string("model", "DIR", "Hugging Face model folder: config.json, *.safetensors, tokenizer.json "
                        + "(safetensors only: pickled pytorch_model.bin is refused)", (a, v) -> a.model = v),
                s.string("models-dir", "DIR", "watch mode, for cron: map every subfolder of DIR that holds a "
                        + "config.json and is new or changed, each under its folder's name; one failing checkpoint "
                        + "does not stop the others; exit code 1 if any failed", (a, v) -> a.modelsDir = v),
                s.string("out", "DIR", "the atlas folder to write (created if missing; other checkpoints in it "
                        + "are kept)", (a, v) -> a.out = v).required(),
                s.string("checkpoint", "NAME", "name of this checkpoint in the atlas (default: the model "
                        + "folder's name)", (a, v) -> a.checkpoint = v),
                s.string("matrices", "LIST", "comma list of gate, up, down (default gate,up,down)",
                        (a, v) -> a.matrices = v),
                s.string("layers", "LIST", "layers and ranges, e.g. 0-15,20 (default all)", (a, v) -> a.layers = v),
                s.integer("top-k", "K", "tokens kept per neuron and polarity (default 20)", (a, v) -> a.topK = v),
                s.flag("fold-norm", "multiply the LM head by the final RMSNorm weight first (TransformerLens "
                        + "fold_ln); off by default, as the paper decodes with the raw head", a -> a.foldNorm = true),
                s.integer("shard-size", "N", "neurons per Spark task (default: sized for the device)",
                        (a, v) -> a.shardSize = v),
                s.integer("batch-size", "N", "neurons per matrix product; memory is batch x vocab x 4 bytes "
                        + "of logits (default 256)", (a, v) -> a.batchSize = v),
                s.string("device", "auto|cpu|gpu", "auto: the GPU Spark assigned the task, else CPU; gpu: fail "
                        + "rather than fall back to CPU (default auto)", (a, v) -> a.device = v),
                s.flag("force", "map even when the atlas already holds this checkpoint's map for the same "
                        + "weights and parameters (which is otherwise reported up to date, and nothing runs)",
                        a -> a.force = true),
                s.string("master", "URL", "Spark master when not run by spark-submit (default local[*])",
                        (a, v) -> a.master = v),
                s.string("watch", "TOKEN", "also write this token's score, prob and normalized_prob for every "
                        + "neuron to the token_profiles table (for 'profile'); the token as text with its leading "
                        + "space, e.g. \" dog\"; repeat for more tokens", (a, v) -> a.watch.add(v)).unbounded(),
                s.builder().checkConfig(a -> (a.model == null) == (a.modelsDir == null)
                        ? s.builder().failure("give either --model DIR (one checkpoint) or --models-dir DIR (every "
                        + "checkpoint folder in it)")
                        : a.modelsDir != null && a.checkpoint != null
                        ? s.builder().failure("--checkpoint names one checkpoint; with --models-dir each checkpoint "
                        + "is named after its folder")
                        : s.builder().success()));
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Scopt.Parsed<Args> parsed = Scopt.parse(parser("neuron-atlas map"), argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Args a = parsed.options();
        if (a.modelsDir != null) {
            SparkSession spark = Sessions.open("neuron-atlas map --models-dir " + a.modelsDir, a.master);
            return new ModelsDirMap(new MapJob(spark, out), out).run(Path.of(a.modelsDir),
                    dir -> a.toOptions(dir, null));
        }
        MapOptions options = a.toOptions();
        SparkSession spark = Sessions.open("neuron-atlas map " + options.checkpointName(), a.master);
        new MapJob(spark, out).map(options);
        return 0;
    }
}
