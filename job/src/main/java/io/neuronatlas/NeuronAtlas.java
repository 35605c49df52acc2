package io.neuronatlas;

import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.jobs.ClampJob;
import io.neuronatlas.jobs.ClampOptions;
import io.neuronatlas.jobs.ClampOutcome;
import io.neuronatlas.jobs.DriftJob;
import io.neuronatlas.jobs.DriftOptions;
import io.neuronatlas.jobs.DriftOutcome;
import io.neuronatlas.jobs.ExamplesJob;
import io.neuronatlas.jobs.ExamplesOptions;
import io.neuronatlas.jobs.ExamplesOutcome;
import io.neuronatlas.jobs.GenerateJob;
import io.neuronatlas.jobs.GenerateOptions;
import io.neuronatlas.jobs.GenerateOutcome;
import io.neuronatlas.jobs.MapJob;
import io.neuronatlas.jobs.MapOutcome;
import io.neuronatlas.jobs.ValidateJob;
import io.neuronatlas.plan.MapOptions;
import java.io.OutputStream;
import java.io.PrintStream;
import org.apache.spark.sql.SparkSession;

/**
 * The jobs of neuron-atlas, called from Java with a SparkSession and an options record (as Iceberg's SparkActions
 * are): what each command of the command line runs, without the command line. Each options record has a builder
 * starting from the command's defaults and checks its values where it is built; each call returns the job's typed
 * outcome. Progress lines go to the console given, or nowhere.
 *
 * <pre>{@code
 * MapOutcome map = NeuronAtlas.map(spark, MapOptions.builder(Path.of("models/llama"), "atlas").topK(10).build());
 * }</pre>
 *
 * <p>The session should have the atlas's settings ({@code io.neuronatlas.cli.Sessions.builder} shows them);
 * {@code map} and {@code examples} run on its executors, {@code clamp} and {@code generate} on the driver.
 */
public final class NeuronAtlas {
    private NeuronAtlas() {
    }

    /** Projects every neuron of the checkpoint through its LM head into the atlas (the map command). */
    public static MapOutcome map(SparkSession spark, MapOptions options) throws Exception {
        return map(spark, options, quiet());
    }

    public static MapOutcome map(SparkSession spark, MapOptions options, PrintStream console) throws Exception {
        return new MapJob(spark, console).map(options);
    }

    /** The corpus examples that fire each neuron (the examples command). */
    public static ExamplesOutcome examples(SparkSession spark, ExamplesOptions options) throws Exception {
        return examples(spark, options, quiet());
    }

    public static ExamplesOutcome examples(SparkSession spark, ExamplesOptions options, PrintStream console)
            throws Exception {
        return new ExamplesJob(spark, console).examine(options);
    }

    /** A token's top candidate neurons clamp-swept over prompts and ranked by causal effect (validate). */
    public static ValidateJob.Outcome validate(SparkSession spark, ValidateJob.Options options) throws Exception {
        return validate(spark, options, quiet());
    }

    public static ValidateJob.Outcome validate(SparkSession spark, ValidateJob.Options options, PrintStream console)
            throws Exception {
        return new ValidateJob(spark, console, PublishListener.NONE).validate(options);
    }

    /** One neuron's clamp curve on one prompt, published in clamp_sweeps when the options name an atlas. */
    public static ClampOutcome clamp(SparkSession spark, ClampOptions options) throws Exception {
        return new ClampJob(() -> spark, PublishListener.NONE).clamp(options);
    }

    /** Baseline and steered continuations, published in generations when the options name an atlas. */
    public static GenerateOutcome generate(SparkSession spark, GenerateOptions options) throws Exception {
        return new GenerateJob(() -> spark, PublishListener.NONE).generate(options);
    }

    /**
     * How far every neuron of a checkpoint moved from a base checkpoint mapped in the atlas (the drift command):
     * neuron_drift rows, published with the base as subject.
     */
    public static DriftOutcome drift(SparkSession spark, DriftOptions options) throws Exception {
        return drift(spark, options, quiet());
    }

    public static DriftOutcome drift(SparkSession spark, DriftOptions options, PrintStream console) throws Exception {
        return new DriftJob(spark, console).drift(options);
    }

    private static PrintStream quiet() {
        return new PrintStream(OutputStream.nullOutputStream());
    }
}
