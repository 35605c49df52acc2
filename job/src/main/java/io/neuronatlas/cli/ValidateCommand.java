package io.neuronatlas.cli;

import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.atlas.ForwardTables;
import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.checkpoint.files.InputFile;
import io.neuronatlas.jobs.DecoderOptions;
import io.neuronatlas.jobs.ValidateJob;
import io.neuronatlas.query.ResultFormat;
import io.neuronatlas.query.TerminalText;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scopt.OParser;

/**
 * {@code validate}: the token's top candidates from the atlas, clamp-swept over every prompt as one Spark job and
 * re-ranked by causal effect, printed next to their normalized_prob rank; the curves and the per-neuron summary are
 * published in clamp_sweeps and neuron_validation.
 */
final class ValidateCommand implements Command {
    /** Prompts files are a few lines; this bound keeps a wrong path (a corpus, a device) from being read whole. */
    static final long MAX_PROMPTS_BYTES = InputFile.MIB;
    static final int MAX_PROMPTS = 1000;

    static final class Args extends ForwardOptions.Args<ValidateJob.Options.Builder> {
        /** Read once the flags are parsed, so a bad file fails as every other bad input does. */
        Path prompts;
        /** Kept here too, for the check that exactly one of them is given. */
        String token;
        Integer tokenId;

        Args() {
            super(ValidateJob.Options.builder());
        }
    }

    @Override
    public String name() {
        return "validate";
    }

    @Override
    public String summary() {
        return "clamp a token's top candidate neurons over prompts (one Spark job) and rank them by causal effect";
    }

    @Override
    public int run(String[] argv, PrintStream raw, PrintStream err) throws Exception {
        Scopt<Args> s = new Scopt<>();
        List<OParser<?, Args>> options = new ArrayList<>();
        options.add(s.string("atlas", "DIR", "the atlas whose map ranks the candidates; the results are published "
                + "in it", (a, v) -> a.options.atlas(v)).required());
        options.addAll(ForwardOptions.model(s));
        options.add(ForwardOptions.checkpoint(s, "the model's name in the atlas"));
        options.add(s.string("token", "TOKEN", "the token to validate, with its leading space: \" dog\"; the id the "
                + "model emits for it (docs/target-tokens.md), candidates from find-token's ranking of its variants",
                (a, v) -> a.token = v));
        options.add(s.integer("token-id", "N", "the token id to validate, instead of --token: for exactness where "
                + "several ids render the same text; candidates from the neurons that list this id",
                (a, v) -> a.tokenId = v));
        options.add(s.builder().checkConfig(a -> (a.token == null) == (a.tokenId == null)
                ? s.builder().failure("give either --token TOKEN or --token-id N") : s.builder().success()));
        options.add(s.string("prompts", "FILE", "prompts, one per line, on which the token is a likely next token",
                (a, v) -> a.prompts = Path.of(v)).required());
        options.add(ForwardOptions.chat(s, "each prompt"));
        options.add(s.integer("candidates", "N", "the top N neurons of find-token's ranking, each counted once "
                + "per layer and index " + ForwardOptions.byDefault(ValidateJob.Options.DEFAULT_CANDIDATES),
                (a, v) -> a.options.candidates(v)));
        options.add(s.string("values", "START:STOP:COUNT", "clamp values, COUNT from START to STOP inclusive "
                + ForwardOptions.byDefault(DecoderOptions.DEFAULT_VALUES.text()),
                (a, v) -> a.later(o -> o.values(v))));
        options.add(ForwardOptions.scope(s));
        options.add(ForwardOptions.format(s));
        options.add(Sessions.master(s, (a, v) -> a.master = v));
        @SuppressWarnings("unchecked")
        OParser<?, Args>[] all = options.toArray(new OParser[0]);
        Scopt.Parsed<Args> parsed = Scopt.parse(s.parser("neuron-atlas validate", "Takes the token's top "
                + "candidates from the atlas (find-token's ranking), clamps each over the values on every prompt "
                + "as one Spark job, and ranks them by causal effect: the mean change in the token's log-odds from "
                + "the unclamped model to the best clamp value. Writes clamp_sweeps and neuron_validation.", all),
                argv, new Args(), raw, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Args a = parsed.options();
        PrintStream out = a.format == ResultFormat.TABLE ? TerminalText.console(raw) : raw;
        ValidateJob.Options validation = a.filled().token(a.token).tokenId(a.tokenId).prompts(prompts(a.prompts))
                .build();
        SparkSession spark = Sessions.open("neuron-atlas validate", a.master);
        ValidateJob.Outcome outcome = new ValidateJob(spark, a.format == ResultFormat.TABLE ? out : err,
                PublishListener.NONE).validate(validation);
        a.format.print(ranking(spark, validation.atlas(), validation.checkpoint(), outcome.run()), -1, out);
        return 0;
    }

    /** The run's neuron_validation, by causal effect, next to the atlas's rank. */
    static Dataset<Row> ranking(SparkSession spark, String atlas, String checkpoint, String run) {
        return spark.read().parquet(atlas + "/" + ForwardTables.NEURON_VALIDATION + "/"
                        + AtlasPaths.runPath(checkpoint, run))
                .selectExpr("causal_rank", "atlas_rank", "concat('L', layer, '.', neuron) AS neuron", "matrices",
                        "normalized_prob", "baseline_prob", "prob_at_best", "best_value", "rank_at_best",
                        "delta_log_odds", "monotonic")
                .orderBy("causal_rank");
    }

    /**
     * The prompts of a --prompts file: one per non-blank line, UTF-8.
     *
     * @throws IOException naming the file when it is missing, not a regular file, too large or holds no prompt
     */
    static List<String> prompts(Path file) throws IOException {
        byte[] bytes = InputFile.readRegular(file, MAX_PROMPTS_BYTES, "a --prompts file (one prompt per line)");
        List<String> prompts = new ArrayList<>();
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\r?\n")) {
            if (!line.isBlank()) {
                prompts.add(line.stripTrailing());
            }
        }
        if (prompts.isEmpty()) {
            throw new InputFile.InputFileException(file + ": --prompts file holds no prompt; write one prompt per "
                    + "line");
        }
        if (prompts.size() > MAX_PROMPTS) {
            throw new InputFile.InputFileException(file + ": --prompts file holds " + prompts.size() + " prompts, "
                    + "more than " + MAX_PROMPTS + "; each prompt is swept for every candidate, so split the file");
        }
        return prompts;
    }
}
