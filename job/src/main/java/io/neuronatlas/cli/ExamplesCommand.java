package io.neuronatlas.cli;

import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.compute.examples.ExampleSettings;
import io.neuronatlas.compute.forward.Precision;
import io.neuronatlas.corpus.DocumentIdField;
import io.neuronatlas.jobs.ExamplesJob;
import io.neuronatlas.jobs.ExamplesOptions;
import io.neuronatlas.query.TerminalText;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import scopt.OParser;

/** {@code examples}: what text fires each neuron, over a corpus, into the atlas's examples tables. */
final class ExamplesCommand implements Command {

    /** What scopt fills in; values are checked when the options are built, right after parsing. */
    static class Args {
        String model;
        final List<String> corpus = new ArrayList<>();
        String atlas;
        String checkpoint;
        String layers = "all";
        int segment = ExampleSettings.DEFAULT_SEGMENT;
        int top = ExampleSettings.DEFAULT_TOP;
        int sample = ExampleSettings.DEFAULT_SAMPLE;
        String maxTokens = "0";
        String textColumn = ExamplesOptions.DEFAULT_TEXT_COLUMN;
        String idField;
        int batch = ExampleSettings.DEFAULT_BATCH;
        String device = ExamplesOptions.DEFAULT_DEVICE.label();
        String precision = Precision.FP32.label();
        boolean force;
        String master;

        ExamplesOptions build() {
            long max;
            try {
                max = Long.parseLong(maxTokens.replace("_", "").trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--max-tokens must be a whole number, found '" + maxTokens + "'");
            }
            return new ExamplesOptions(Path.of(model), corpus, atlas, checkpoint, layers, segment, top, sample, max,
                    textColumn, DocumentIdField.of(idField), batch, DeviceMode.parse(device),
                    Precision.parse(precision), force);
        }
    }

    @Override
    public String name() {
        return "examples";
    }

    @Override
    public String summary() {
        return "find what text fires each neuron: max-activating examples and activation statistics over a corpus";
    }

    static OParser<?, Args> parser(String program) {
        Scopt<Args> s = new Scopt<>();
        return s.parser(program, "Runs a corpus through the model and keeps, for every MLP neuron, the segments "
                        + "that activate it most (and most negatively), random examples from quantile bands, its "
                        + "activation statistics and how its examples agree with its vocabulary map.",
                s.string("model", "DIR", "Hugging Face model folder (Llama family: llama, mistral, qwen2)",
                        (a, v) -> a.model = v).required(),
                s.string("corpus", "PATH", "JSON lines (.jsonl), Parquet (.parquet) or text (.txt: one document a "
                        + "file) files, or folders of them; repeat for more", (a, v) -> a.corpus.add(v))
                        .required().unbounded(),
                s.string("atlas", "DIR", "the atlas folder to write (its map of the checkpoint, if any, gives the "
                        + "agreement)", (a, v) -> a.atlas = v).required(),
                s.string("checkpoint", "NAME", "name of this checkpoint in the atlas (default: the model folder's "
                        + "name)", (a, v) -> a.checkpoint = v),
                s.string("layers", "LIST", "layers and ranges, e.g. 0-15,20 (default all)", (a, v) -> a.layers = v),
                s.integer("segment", "N", "tokens per segment, BOS included; segments never cross documents "
                        + "(default " + ExampleSettings.DEFAULT_SEGMENT + ")", (a, v) -> a.segment = v),
                s.integer("top", "N", "examples kept per neuron and sign (default " + ExampleSettings.DEFAULT_TOP
                        + ")", (a, v) -> a.top = v),
                s.integer("sample", "N", "positions sampled per neuron for the quantile-band examples (default "
                        + ExampleSettings.DEFAULT_SAMPLE + ")", (a, v) -> a.sample = v),
                s.string("max-tokens", "N", "examine only the first N text tokens of the corpus (files in the "
                        + "order given, documents in file order; the last document cut at N); default all",
                        (a, v) -> a.maxTokens = v),
                s.string("text-column", "NAME", "the JSON field or Parquet column of the text (default "
                        + ExamplesOptions.DEFAULT_TEXT_COLUMN + ")", (a, v) -> a.textColumn = v),
                s.string("id-field", "NAME", "the JSON field or Parquet column of each document's id, kept with "
                        + "its examples as document_id; every document must have it (default: "
                        + DocumentIdField.DEFAULT + " where a document has one)", (a, v) -> a.idField = v),
                s.integer("batch-size", "N", "segments per forward pass (default " + ExampleSettings.DEFAULT_BATCH
                        + ")", (a, v) -> a.batch = v),
                s.string("device", "auto|cpu|gpu", "auto: the GPU Spark assigned the task, else CPU (default auto)",
                        (a, v) -> a.device = v),
                s.string("precision", "fp32|fp16", "weights and activations on the device; fp16 on GPUs only "
                        + "(default fp32)", (a, v) -> a.precision = v),
                s.flag("force", "examine even when the published examples are up to date", a -> a.force = true),
                s.string("master", "URL", "Spark master when not run by spark-submit (default local[*])",
                        (a, v) -> a.master = v));
    }

    @Override
    public int run(String[] argv, PrintStream raw, PrintStream err) throws Exception {
        PrintStream out = TerminalText.console(raw);
        Scopt.Parsed<Args> parsed = Scopt.parse(parser("neuron-atlas examples"), argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        ExamplesOptions options = parsed.options().build();
        SparkSession spark = Sessions.open("neuron-atlas examples " + options.checkpoint(), parsed.options().master);
        new ExamplesJob(spark, out).examine(options);
        return 0;
    }
}
