package io.neuronatlas.cli;

import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.compute.forward.Precision;
import io.neuronatlas.corpus.DocumentIdField;
import io.neuronatlas.jobs.ExamplesJob;
import io.neuronatlas.jobs.ExamplesOptions;
import io.neuronatlas.query.TerminalText;
import java.io.PrintStream;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import scopt.OParser;

/** {@code examples}: what text fires each neuron, over a corpus, into the atlas's examples tables. */
final class ExamplesCommand implements Command {

    static class Args extends OptionsArgs<ExamplesOptions.Builder> {
        Args() {
            super(ExamplesOptions.builder(null, null));
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
                s.string("model", "DIR", "Hugging Face model folder of a family the forward pass runs (llama, "
                        + "mistral, qwen2, qwen3, olmo2, gemma 1-3, phi3, gpt2, gpt_neox; the mixtures mixtral, "
                        + "qwen2_moe, qwen3_moe, whose expert neurons are examined at the tokens routed to them)",
                        (a, v) -> a.options.modelDir(Path.of(v))).required(),
                s.string("corpus", "PATH", "JSON lines (.jsonl), Parquet (.parquet) or text (.txt: one document a "
                        + "file) files, or folders of them; repeat for more", (a, v) -> a.options.corpus(v))
                        .required().unbounded(),
                s.string("atlas", "DIR", "the atlas folder to write (its map of the checkpoint, if any, gives the "
                        + "agreement)", (a, v) -> a.options.atlas(v)).required(),
                s.string("checkpoint", "NAME", "name of this checkpoint in the atlas (default: the model folder's "
                        + "name)", (a, v) -> a.options.checkpoint(v)),
                s.string("layers", "LIST", "layers and ranges, e.g. 0-15,20 (default " + ExamplesOptions.ALL_LAYERS
                        + ")", (a, v) -> a.options.layers(v)),
                s.integer("segment", "N", "tokens per segment, BOS included; segments never cross documents "
                        + "(default " + ExamplesOptions.DEFAULT_SEGMENT + ")", (a, v) -> a.options.segment(v)),
                s.integer("top", "N", "examples kept per neuron and sign (default " + ExamplesOptions.DEFAULT_TOP
                        + ")", (a, v) -> a.options.top(v)),
                s.integer("sample", "N", "positions sampled per neuron for the quantile-band examples (default "
                        + ExamplesOptions.DEFAULT_SAMPLE + ")", (a, v) -> a.options.sample(v)),
                s.string("max-tokens", "N", "examine only the first N text tokens of the corpus (files in the "
                        + "order given, documents in file order; the last document cut at N); default all",
                        (a, v) -> a.later(o -> o.maxTokens(v))),
                s.string("text-column", "NAME", "the JSON field or Parquet column of the text (default "
                        + ExamplesOptions.DEFAULT_TEXT_COLUMN + ")", (a, v) -> a.options.textColumn(v)),
                s.string("id-field", "NAME", "the JSON field or Parquet column of each document's id, kept with "
                        + "its examples as document_id; every document must have it (default: "
                        + DocumentIdField.DEFAULT + " where a document has one)", (a, v) -> a.options.idField(v)),
                s.integer("batch-size", "N", "segments per forward pass (default "
                        + ExamplesOptions.DEFAULT_BATCH_SIZE + ")", (a, v) -> a.options.batchSize(v)),
                s.string("device", "auto|cpu|gpu", "auto: the GPU Spark assigned the task, else CPU (default "
                        + ExamplesOptions.DEFAULT_DEVICE.label() + ")",
                        (a, v) -> a.later(o -> o.device(DeviceMode.parse(v)))),
                s.string("precision", "fp32|fp16", "weights and activations on the device; fp16 on GPUs only "
                        + "(default " + ExamplesOptions.DEFAULT_PRECISION.label() + ")",
                        (a, v) -> a.later(o -> o.precision(Precision.parse(v)))),
                s.flag("force", "examine even when the published examples are up to date",
                        a -> a.options.force(true)),
                Sessions.master(s, (a, v) -> a.master = v));
    }

    @Override
    public int run(String[] argv, PrintStream raw, PrintStream err) throws Exception {
        PrintStream out = TerminalText.console(raw);
        Scopt.Parsed<Args> parsed = Scopt.parse(parser("neuron-atlas examples"), argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        ExamplesOptions options = parsed.options().filled().build();
        SparkSession spark = Sessions.open("neuron-atlas examples " + options.checkpoint(), parsed.options().master);
        new ExamplesJob(spark, out).examine(options);
        return 0;
    }
}
