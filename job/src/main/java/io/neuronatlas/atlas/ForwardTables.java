package io.neuronatlas.atlas;

import io.neuronatlas.compute.forward.CausalEffect;
import io.neuronatlas.compute.forward.ClampSweep;
import io.neuronatlas.compute.forward.Generation;
import io.neuronatlas.compute.forward.SweepPoint;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * The tables of the forward pass's outputs: clamp sweeps (one row per neuron, prompt and clamp value), the causal
 * validation of a token's candidates (one row per neuron), and generations (one row per sample). Layers are
 * numbered from 0 as in the tensor names; {@code checkpoint} and {@code run} come from the folders, as in every table.
 * A neuron of a mixture of experts is told apart by the expert column, as in the map ({@link MapTables#EXPERT}).
 */
public final class ForwardTables {
    public static final String CLAMP_SWEEPS = "clamp_sweeps";
    public static final String NEURON_VALIDATION = "neuron_validation";
    public static final String GENERATIONS = "generations";
    public static final List<String> VALIDATION_TABLES = List.of(CLAMP_SWEEPS, NEURON_VALIDATION);

    /** One point of a clamp curve, with the prompt's baseline and natural activation repeated on every point. */
    public static final MessageType CLAMP_SWEEPS_FILE = Types.buildMessage()
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("subject")
            .required(PrimitiveTypeName.INT32).named("layer")
            .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(MapTables.EXPERT)
            .required(PrimitiveTypeName.INT32).named("neuron")
            .required(PrimitiveTypeName.INT32).named("prompt_index")
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("prompt")
            .required(PrimitiveTypeName.INT32).named("prompt_tokens")
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("scope")
            .required(PrimitiveTypeName.INT32).named("target_id")
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("target")
            .required(PrimitiveTypeName.DOUBLE).named("value")
            .required(PrimitiveTypeName.DOUBLE).named("target_prob")
            .required(PrimitiveTypeName.DOUBLE).named("target_logit")
            .required(PrimitiveTypeName.INT32).named("target_rank")
            .required(PrimitiveTypeName.INT32).named("top1_id")
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("top1_token")
            .required(PrimitiveTypeName.DOUBLE).named("top1_prob")
            .required(PrimitiveTypeName.DOUBLE).named("baseline_prob")
            .required(PrimitiveTypeName.INT32).named("baseline_rank")
            .required(PrimitiveTypeName.DOUBLE).named("natural_activation")
            .named(CLAMP_SWEEPS);

    /** One candidate's causal effect on the target, aggregated over the prompts ({@link CausalEffect}). */
    public static final MessageType NEURON_VALIDATION_FILE = Types.buildMessage()
            .required(PrimitiveTypeName.INT32).named("layer")
            .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(MapTables.EXPERT)
            .required(PrimitiveTypeName.INT32).named("neuron")
            .required(PrimitiveTypeName.INT32).named("target_id")
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("target")
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("scope")
            .required(PrimitiveTypeName.INT32).named("prompts")
            .required(PrimitiveTypeName.INT32).named("causal_rank")
            .required(PrimitiveTypeName.INT32).named("atlas_rank")
            .required(PrimitiveTypeName.DOUBLE).named("normalized_prob")
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("matrices")
            .required(PrimitiveTypeName.DOUBLE).named("baseline_prob")
            .required(PrimitiveTypeName.DOUBLE).named("prob_at_max_value")
            .required(PrimitiveTypeName.DOUBLE).named("prob_at_min_value")
            .required(PrimitiveTypeName.DOUBLE).named("best_value")
            .required(PrimitiveTypeName.DOUBLE).named("prob_at_best")
            .required(PrimitiveTypeName.INT32).named("rank_at_best")
            .required(PrimitiveTypeName.DOUBLE).named("delta_log_odds")
            .required(PrimitiveTypeName.BOOLEAN).named("monotonic")
            .named(NEURON_VALIDATION);

    /** One sampled continuation, baseline (clamps "none") or steered. */
    public static final MessageType GENERATIONS_FILE = Types.buildMessage()
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("clamps")
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("scope")
            .required(PrimitiveTypeName.INT32).named("sample")
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("prompt")
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("text")
            .required(PrimitiveTypeName.INT32).named("tokens")
            .required(PrimitiveTypeName.BOOLEAN).named("ended_at_eos")
            .required(PrimitiveTypeName.DOUBLE).named("temperature")
            .required(PrimitiveTypeName.DOUBLE).named("top_p")
            .required(PrimitiveTypeName.INT64).named("seed")
            .named(GENERATIONS);

    /**
     * The schema the validation tables' files are read with (Atlas.open), so that runs written before the expert
     * column existed read it as null.
     */
    public static final Map<String, MessageType> FILE_SCHEMAS = Map.of(CLAMP_SWEEPS, CLAMP_SWEEPS_FILE,
            NEURON_VALIDATION, NEURON_VALIDATION_FILE);

    private ForwardTables() {
    }

    /** Writes a curve's points. */
    public static void writeSweep(TableFile file, String subject, int promptIndex, String prompt, ClampSweep sweep,
                                  String target, IntFunction<String> tokenText) throws IOException {
        for (SweepPoint p : sweep.points()) {
            file.write(f -> f.add(subject).add(sweep.neuron().layer()).addNullable(sweep.neuron().expert())
                    .add(sweep.neuron().index()).add(promptIndex)
                    .add(prompt).add(sweep.promptLength()).add(sweep.scope().label()).add(sweep.targetId())
                    .add(target).add(p.value()).add(p.stats().targetProb()).add(p.stats().targetLogit())
                    .add(p.stats().targetRank()).add(p.stats().top1Id()).add(tokenText.apply(p.stats().top1Id()))
                    .add(p.stats().top1Prob()).add(sweep.baseline().targetProb())
                    .add(sweep.baseline().targetRank()).add(sweep.naturalActivation()));
        }
    }

    public static void writeValidation(TableFile file, CausalEffect e, String target) throws IOException {
        file.write(f -> f.add(e.neuron().layer()).addNullable(e.neuron().expert()).add(e.neuron().index())
                .add(e.targetId()).add(target)
                .add(e.scope().label()).add(e.prompts()).add(e.causalRank()).add(e.candidate().atlasRank())
                .add(e.candidate().normalizedProb()).add(e.candidate().matrices()).add(e.baselineProb())
                .add(e.probAtMaxValue()).add(e.probAtMinValue()).add(e.bestValue()).add(e.probAtBest())
                .add(e.rankAtBest()).add(e.deltaLogOdds()).add(e.monotonic()));
    }

    public static void writeGeneration(TableFile file, Generation g, String prompt, String text,
                                       double temperature, double topP, long seed) throws IOException {
        String clamps = g.clamps().isEmpty() ? "none" : g.clamps().clamps().toString();
        file.write(f -> f.add(clamps).add(g.clamps().scope().label()).add(g.sample()).add(prompt).add(text)
                .add(g.tokens().length).add(g.endedAtEos()).add(temperature).add(topP).add(seed));
    }
}
