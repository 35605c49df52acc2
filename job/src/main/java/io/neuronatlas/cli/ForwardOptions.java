package io.neuronatlas.cli;

import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.compute.forward.ClampScope;
import io.neuronatlas.compute.forward.Precision;
import io.neuronatlas.jobs.DecoderOptions;
import io.neuronatlas.query.ResultFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import scopt.OParser;

/**
 * The flags the forward-pass commands (clamp, generate, validate) share. Each command's arguments hold its job's
 * options builder, which the flags fill in; the defaults and checks are the builder's and its record's.
 */
final class ForwardOptions {
    /** Arguments every forward command has: its job's options being built, and how to print and where to run. */
    static class Args<B extends DecoderOptions.Builder<B>> extends OptionsArgs<B> {
        ResultFormat format = ResultFormat.TABLE;

        Args(B options) {
            super(options);
        }
    }

    private ForwardOptions() {
    }

    static <B extends DecoderOptions.Builder<B>, A extends Args<B>> List<OParser<?, A>> model(Scopt<A> s) {
        List<OParser<?, A>> all = new ArrayList<>();
        all.add(s.string("model", "DIR", "Hugging Face model folder (a dense family: llama, mistral, qwen2, qwen3, "
                + "olmo2, gemma 1-3, phi3, gpt2, gpt_neox)",
                (a, v) -> a.options.modelDir(Path.of(v))).required());
        all.add(s.string("device", "auto|cpu|gpu", "auto: the GPU Spark assigned a task, else the CPU; gpu: "
                + "GPU 0 or fail, never a silent fall back to the CPU",
                (a, v) -> a.options.device(DeviceMode.parse(v))));
        all.add(s.string("precision", "fp32|fp16", "weights and activations on the device (fp16: GPU only; "
                + "default " + DecoderOptions.DEFAULT_PRECISION.label() + ")",
                (a, v) -> a.options.precision(Precision.parse(v))));
        return all;
    }

    /** The prompt of clamp and generate, and --chat. */
    static <B extends DecoderOptions.Builder<B>, A extends Args<B>> List<OParser<?, A>> prompt(Scopt<A> s,
                                                                                            BiConsumer<B, String> set) {
        return List.of(s.string("prompt", "TEXT", "the prompt, e.g. \"My favourite animal is\"",
                (a, v) -> set.accept(a.options, v)).required(), chat(s, "the prompt"));
    }

    static <B extends DecoderOptions.Builder<B>, A extends Args<B>> OParser<?, A> chat(Scopt<A> s, String what) {
        return s.flag("chat", "format " + what + " as a user message with the model's chat template"
                + (what.equals("the prompt") ? " (tokenizer_config.json's chat_template; Instruct models)" : ""),
                a -> a.options.chat(true));
    }

    /** --scope of clamp and validate, which clamp while reading whole prompts. */
    static <B extends DecoderOptions.Builder<B>, A extends Args<B>> OParser<?, A> scope(Scopt<A> s) {
        return s.string("scope", "all|last", "clamp at every position of the prompt (default, as the paper) "
                + "or only the last", (a, v) -> a.options.scope(ClampScope.parse(v)));
    }

    static <B extends DecoderOptions.Builder<B>, A extends Args<B>> OParser<?, A> checkpoint(Scopt<A> s,
                                                                                          String text) {
        return s.string("checkpoint", "NAME", text + " (default: the model folder's name, as map names it)",
                (a, v) -> a.options.checkpoint(v));
    }

    static <A extends Args<?>> OParser<?, A> format(Scopt<A> s) {
        return s.string("format", "table|csv|json", "output: an aligned table (default), CSV, or JSON lines",
                (a, v) -> a.format = ResultFormat.parse(v));
    }

    static <B extends DecoderOptions.Builder<B>, A extends Args<B>> List<OParser<?, A>> output(Scopt<A> s,
                                                                                            String table) {
        return List.of(
                format(s),
                s.string("atlas", "DIR", "also write the result to the " + table + " table of this atlas, "
                        + "published like every atlas output", (a, v) -> a.options.atlas(v)),
                checkpoint(s, "the checkpoint's name in the atlas"),
                s.string("master", "URL", "Spark master for writing the atlas (default local[*])",
                        (a, v) -> a.master = v));
    }

    /** "(default -500:500:41)" and the like, from the options record's constant. */
    static String byDefault(Object value) {
        return "(default " + value + ")";
    }
}
