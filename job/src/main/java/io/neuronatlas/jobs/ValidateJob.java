package io.neuronatlas.jobs;

import io.neuronatlas.atlas.CheckpointEntry;
import io.neuronatlas.atlas.ForwardParameters;
import io.neuronatlas.atlas.ForwardRecord;
import io.neuronatlas.atlas.ForwardTables;
import io.neuronatlas.atlas.OutputKind;
import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.atlas.TableFile;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.CheckpointRef;
import io.neuronatlas.checkpoint.Fingerprint;
import io.neuronatlas.checkpoint.ForwardConfig;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.tokenizer.PromptEncoder;
import io.neuronatlas.checkpoint.tokenizer.TargetResolver;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.compute.forward.Candidate;
import io.neuronatlas.compute.forward.CausalEffect;
import io.neuronatlas.compute.forward.ClampScope;
import io.neuronatlas.compute.forward.ClampSweep;
import io.neuronatlas.compute.forward.NeuronRef;
import io.neuronatlas.compute.forward.Precision;
import io.neuronatlas.compute.forward.PromptInput;
import io.neuronatlas.compute.forward.ValueRange;
import io.neuronatlas.query.Atlas;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * validate: the token's top candidates from the atlas (find-token's ranking, each neuron once per layer and index)
 * clamp-swept on every prompt as one Spark job, then ranked by causal effect. Tasks are groups of candidates × one
 * prompt; each executor loads the decoder once. The tasks write clamp_sweeps; the driver aggregates each neuron over
 * the prompts ({@link CausalEffect}) into neuron_validation, and the run is published under the token's subject, so
 * validations of other tokens stay published beside it.
 */
public final class ValidateJob {
    /** Neurons per task at most: the prefix pass is shared within a group, the groups spread over executors. */
    static final int MAX_GROUP = 16;

    /**
     * What validate was asked; each default is written once, here, and the model's fields are checked by
     * {@link DecoderOptions}.
     *
     * @param checkpoint the checkpoint's name in the atlas (default: the model folder's name, as map's)
     * @param token      the token's text (--token), resolved by {@link TargetResolver}; null when tokenId is given
     * @param tokenId    the token's id (--token-id), for exactness; null when token is given
     * @param prompts    the prompts, one per line of --prompts
     */
    public record Options(Path modelDir, String atlas, String checkpoint, String token, Integer tokenId,
                          List<String> prompts, boolean chat, int candidates, ValueRange values, ClampScope scope,
                          DeviceMode device, Precision precision) {
        public static final int DEFAULT_CANDIDATES = 50;
        public static final int MAX_CANDIDATES = 10_000;

        public Options {
            checkpoint = new DecoderOptions(modelDir, checkpoint, device, precision).checkpoint();
            Objects.requireNonNull(atlas, "--atlas");
            if ((token == null) == (tokenId == null)) {
                throw new IllegalArgumentException("give either --token TOKEN or --token-id N");
            }
            Objects.requireNonNull(values, "--values");
            Objects.requireNonNull(scope, "--scope");
            prompts = List.copyOf(prompts);
            if (prompts.isEmpty()) {
                throw new IllegalArgumentException("--prompts holds no prompt: give one prompt per line");
            }
            if (candidates < 1 || candidates > MAX_CANDIDATES) {
                throw new IllegalArgumentException("--candidates must be between 1 and " + MAX_CANDIDATES
                        + ", found " + candidates);
            }
        }

        public static Builder builder() {
            return new Builder();
        }

        /** A builder starting from every default; the command line and Java callers fill it in. */
        public static final class Builder extends DecoderOptions.SweepBuilder<Builder> {
            private String token;
            private Integer tokenId;
            private List<String> prompts = List.of();
            private int candidates = DEFAULT_CANDIDATES;

            private Builder() {
            }

            @Override
            Builder self() {
                return this;
            }

            public Builder token(String v) {
                token = v;
                return this;
            }

            /** The token's id, for exactness where several ids render the same text; instead of token. */
            public Builder tokenId(Integer v) {
                tokenId = v;
                return this;
            }

            public Builder prompts(List<String> v) {
                prompts = List.copyOf(v);
                return this;
            }

            public Builder candidates(int v) {
                candidates = v;
                return this;
            }

            public Options build() {
                return new Options(modelDir, atlas, checkpoint, token, tokenId, prompts, chat, candidates, values,
                        scope, device, precision);
            }
        }

        /** A validation of a token given as text. */
        public Options(Path modelDir, String atlas, String checkpoint, String token, List<String> prompts,
                       boolean chat, int candidates, ValueRange values, ClampScope scope, DeviceMode device,
                       Precision precision) {
            this(modelDir, atlas, checkpoint, token, null, prompts, chat, candidates, values, scope, device,
                    precision);
        }
    }

    /** What a validation did: the published run, why it ran (null: up to date), and how many candidates it swept. */
    public record Outcome(String run, String reason, int candidates) {
    }

    private final SparkSession spark;
    private final PrintStream console;
    private final PublishListener listener;

    public ValidateJob(SparkSession spark, PrintStream console, PublishListener listener) {
        this.spark = spark;
        this.console = console;
        this.listener = listener;
    }

    /** The catalog subject of a validation of a target token id. */
    public static String subject(int targetId) {
        return "token-" + targetId;
    }

    public Outcome validate(Options o) throws IOException {
        long t0 = System.nanoTime();
        Instant started = Instant.now();
        ForwardConfig config = ForwardConfig.read(o.modelDir().resolve(Checkpoint.CONFIG));
        TargetResolver.Target target;
        String note;
        List<int[]> promptIds = new ArrayList<>();
        try (PromptEncoder encoder = PromptEncoder.open(o.modelDir(), config.model().vocab())) {
            target = new TargetResolver(encoder, "--token", "--token-id").of(o.token(), o.tokenId());
            note = target.othersNote(encoder.tokens(), "--token-id");
            for (int i = 0; i < o.prompts().size(); i++) {
                promptIds.add(PromptInput.encode(encoder, config, o.prompts().get(i), o.chat(),
                        "--prompts line " + (i + 1)));
            }
        }
        Atlas atlas = Atlas.open(spark, o.atlas());
        CheckpointRef source;
        TokenTable tokens;
        try (Checkpoint checkpoint = Checkpoint.open(o.modelDir())) {
            Fingerprint fingerprint = AtlasWrite.fingerprint(checkpoint);
            source = new CheckpointRef(o.modelDir().toAbsolutePath().toString(), checkpoint.stamp(),
                    fingerprint.value());
            tokens = TokenTable.load(o.modelDir().resolve(Checkpoint.TOKENIZER), config.model().vocab());
        }
        int targetId = target.id();
        String token = target.text();
        List<Candidate> candidates = candidates(atlas, o, target, source.fingerprint(), config);
        String subject = subject(targetId);
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("token", token);
        parameters.put("target_id", Integer.toString(targetId));
        // The prompts themselves are in clamp_sweeps; the entry keeps a digest, so it stays one short line.
        parameters.put("prompts", o.prompts().size() + " prompts, sha256 "
                + ForwardParameters.digest(String.join("\n", o.prompts())));
        parameters.put("chat", Boolean.toString(o.chat()));
        parameters.put("candidates", candidates.stream().map(c -> c.neuron().label()).toList().toString());
        parameters.put("values", o.values().toString());
        parameters.put("scope", o.scope().label());
        ForwardParameters output = new ForwardParameters(parameters);
        console.printf(Locale.ROOT, "[validate] %s: token '%s' (id %d), %d candidates x %d prompts, values %s, "
                        + "scope %s%s%n", o.checkpoint(), token, targetId, candidates.size(), promptIds.size(),
                o.values(), o.scope().label(), config.model().experts().any() ? "; an expert's neuron is clamped "
                        + "wherever its expert processes a token" : "");
        if (!note.isEmpty()) {
            console.println("[validate] " + note);
        }
        ForwardWrite.Published published = ForwardWrite.write(spark, o.atlas(), OutputKind.VALIDATION,
                o.checkpoint(), subject, source.fingerprint(), output, listener, run -> {
                    ValidateTask.Shared shared = new ValidateTask.Shared(o.atlas(), o.checkpoint(), run.id(),
                            subject, source, o.precision(), o.device(), o.values().values(), targetId, token,
                            o.scope());
                    List<ValidateTask.Work> works = works(candidates, o.prompts(), promptIds);
                    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
                    Broadcast<TokenTable> table = jsc.broadcast(tokens);
                    List<ValidateTask.Result> results;
                    try {
                        results = jsc.parallelize(works, works.size())
                                .map(w -> ValidateTask.run(shared, w, table.value())).collect();
                    } finally {
                        table.destroy();
                    }
                    run.checkCommitted(works.stream().map(w -> ValidateTask.committedFile(shared, w)).toList());
                    List<CausalEffect> effects = aggregate(candidates, results);
                    try (TableFile file = ForwardWrite.driverFile(spark, run, ForwardTables.NEURON_VALIDATION,
                            ForwardTables.NEURON_VALIDATION_FILE)) {
                        for (CausalEffect e : effects) {
                            ForwardTables.writeValidation(file, e, token);
                        }
                        file.commit();
                    }
                    return new ForwardRecord(run.id(), OutputKind.VALIDATION.name(), o.checkpoint(), subject,
                            source.fingerprint(), source.modelDir(), o.precision().label(), parameters,
                            spark.sparkContext().master(), started.toString(), Instant.now().toString(),
                            (System.nanoTime() - t0) / 1e9, results.stream().map(ValidateTask.Result::use)
                            .toList()).toJson();
                });
        console.printf(Locale.ROOT, "[validate] %s: %s (run %s), %.1f s%n", o.checkpoint(), published.ran()
                ? published.reason() + "; validated and published" : "up to date (same weights, prompts and "
                + "candidates); nothing recomputed", published.run(), (System.nanoTime() - t0) / 1e9);
        return new Outcome(published.run(), published.reason(), candidates.size());
    }

    /** Every group of candidates on every prompt. */
    private List<ValidateTask.Work> works(List<Candidate> candidates, List<String> prompts, List<int[]> ids) {
        int parallelism = Math.max(1, spark.sparkContext().defaultParallelism());
        long cells = (long) candidates.size() * prompts.size();
        int group = (int) Math.max(1, Math.min(MAX_GROUP, (cells + 2L * parallelism - 1) / (2L * parallelism)));
        List<ValidateTask.Work> works = new ArrayList<>();
        for (int from = 0, g = 0; from < candidates.size(); from += group, g++) {
            List<NeuronRef> neurons = candidates.subList(from, Math.min(candidates.size(), from + group)).stream()
                    .map(Candidate::neuron).toList();
            for (int p = 0; p < prompts.size(); p++) {
                works.add(new ValidateTask.Work(g, neurons, p, prompts.get(p), ids.get(p)));
            }
        }
        return works;
    }

    /** Each candidate's sweeps in prompt order, aggregated and ranked by causal effect. */
    static List<CausalEffect> aggregate(List<Candidate> candidates, List<ValidateTask.Result> results) {
        List<ValidateTask.Result> byPrompt = new ArrayList<>(results);
        byPrompt.sort((a, b) -> Integer.compare(a.work().promptIndex(), b.work().promptIndex()));
        List<CausalEffect> effects = new ArrayList<>();
        for (Candidate c : candidates) {
            List<ClampSweep> sweeps = new ArrayList<>();
            for (ValidateTask.Result r : byPrompt) {
                r.sweeps().stream().filter(s -> s.neuron().equals(c.neuron())).forEach(sweeps::add);
            }
            effects.add(CausalEffect.of(c, sweeps));
        }
        return CausalEffect.rank(effects);
    }

    /**
     * find-token's ranking for the token in this checkpoint (its case/space variants for a text, the id alone for
     * --token-id): neurons counted once per (layer, expert, index), whichever matrices list them, in order of their
     * best normalized_prob. Expert neurons are candidates like dense ones: a sweep clamps the neuron wherever its
     * expert processes a token of the prompt (ClampSweeper's mixture path).
     */
    static List<Candidate> candidates(Atlas atlas, Options o, TargetResolver.Target target, String fingerprint,
                                 ForwardConfig config)
            throws IOException {
        CheckpointEntry mapped = atlas.checkpoints().stream().filter(c -> c.checkpoint().equals(o.checkpoint()))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("--checkpoint " + o.checkpoint()
                        + ": the atlas " + o.atlas() + " has no map of it (mapped: " + atlas.checkpoints().stream()
                        .map(CheckpointEntry::checkpoint).toList() + "); run 'neuron-atlas map --model "
                        + o.modelDir() + " --out " + o.atlas() + "' first, or name the mapped checkpoint"));
        if (!mapped.fingerprint().equals(fingerprint)) {
            throw new IllegalArgumentException("--model " + o.modelDir() + ": its weights (fingerprint "
                    + fingerprint + ") are not the ones the atlas mapped as " + o.checkpoint() + " (fingerprint "
                    + mapped.fingerprint() + "); map this model again, or name its checkpoint with --checkpoint");
        }
        Map<NeuronRef, Candidate> unique = new LinkedHashMap<>();
        // Every row of every matrix can list the same neuron twice (polarities, variants): ask for enough rows.
        int limit = (int) Math.min(Integer.MAX_VALUE, (long) o.candidates() * 64);
        List<Row> found = o.tokenId() != null ? atlas.findTokenId(target.id(), limit).collectAsList()
                : atlas.findToken(target.text(), limit).collectAsList();
        for (Row row : found) {
            if (!o.checkpoint().equals(row.getAs("checkpoint"))) {
                continue;
            }
            NeuronRef neuron = new NeuronRef(((Number) row.getAs("layer")).intValue(), row.getAs("expert"),
                    ((Number) row.getAs("neuron")).intValue()).requireIn(config.model());
            String matrix = row.getAs("matrix");
            Candidate seen = unique.get(neuron);
            if (seen == null) {
                if (unique.size() < o.candidates()) {
                    unique.put(neuron, new Candidate(neuron, unique.size() + 1,
                            ((Number) row.getAs("normalized_prob")).doubleValue(), matrix));
                }
            } else if (!List.of(seen.matrices().split(",")).contains(matrix)) {
                List<String> matrices = new ArrayList<>(List.of(seen.matrices().split(",")));
                matrices.add(matrix);
                matrices.sort(Comparator.comparingInt(m -> MlpMatrix.fromLabel(m).ordinal()));
                unique.put(neuron, new Candidate(neuron, seen.atlasRank(), seen.normalizedProb(),
                        String.join(",", matrices)));
            }
        }
        if (unique.isEmpty()) {
            throw new IllegalArgumentException((o.tokenId() != null ? "--token-id " + target.id() + " ('"
                    + target.text() + "')" : "--token '" + target.text() + "'") + ": no neuron of "
                    + o.checkpoint() + " in " + o.atlas() + " lists it among its top tokens; try find-token to see "
                    + "which tokens the atlas has");
        }
        return new ArrayList<>(unique.values());
    }
}
