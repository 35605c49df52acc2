package io.neuronatlas.atlas;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A kind of output that a job writes into an atlas and publishes per checkpoint on its own: the map, and next the
 * clamp sweeps and the max-activating examples. Each kind owns its tables, its catalog (which run of each checkpoint
 * is published) and its table of run records, so publishing one kind's new run never touches another kind's
 * published run of the same checkpoint.
 *
 * @param name    the kind, as messages and the job group name it ("map")
 * @param catalog folder of the catalog: one entry file per checkpoint (and subject) naming its published run
 * @param records table of the run records ({@code RECORDS/checkpoint=NAME/run=RUN/run.json})
 * @param tables  the row tables, each written as {@code TABLE/checkpoint=NAME/run=RUN/...}; a run may leave some out
 * @param runVerb what a run of this kind does to a checkpoint, for messages ("mapped")
 */
public record OutputKind(String name, String catalog, String records, List<String> tables, String runVerb) {
    private static final Pattern FOLDER = Pattern.compile("[a-z][a-z0-9_]*");

    /** The vocabulary map: the atlas's first kind, whose catalog is the checkpoints table. */
    public static final OutputKind MAP = new OutputKind("map", "checkpoints", "runs", MapTables.TABLES, "mapped");

    /**
     * Clamp sweeps and the causal validation of a token's candidate neurons, published per checkpoint and subject
     * (validate: the target token; clamp: the neuron and target). A clamp run writes clamp_sweeps only.
     */
    public static final OutputKind VALIDATION = new OutputKind("validation", "validations", "validation_runs",
            ForwardTables.VALIDATION_TABLES, "validated");

    /** Baseline and steered generations, published per checkpoint and subject (the prompt, clamps and options). */
    public static final OutputKind GENERATIONS = new OutputKind("generations", "generation_catalog",
            "generation_runs", List.of(ForwardTables.GENERATIONS), "generated");

    /** What text fires each neuron (the examples command): max-activating examples and activation statistics. */
    public static final OutputKind EXAMPLES = new OutputKind("examples", "examples", "example_runs",
            ExamplesTables.TABLES, "examined");

    /** How far a checkpoint's neurons moved from a base checkpoint's (drift), published per checkpoint and base. */
    public static final OutputKind DRIFT = new OutputKind("drift", "drifts", "drift_runs", DriftTables.TABLES,
            "compared");

    /** Every kind this version writes; Atlas.open registers their tables. */
    public static final List<OutputKind> ALL = List.of(MAP, VALIDATION, GENERATIONS, EXAMPLES, DRIFT);

    public OutputKind {
        Objects.requireNonNull(runVerb, "runVerb");
        tables = List.copyOf(tables);
        List<String> folders = new ArrayList<>(tables);
        folders.add(catalog);
        folders.add(records);
        for (String folder : folders) {
            if (folder == null || !FOLDER.matcher(folder).matches()) {
                throw new IllegalArgumentException("output kind " + name + ": folder name '" + folder
                        + "' must match " + FOLDER.pattern());
            }
        }
        if (folders.stream().distinct().count() != folders.size()) {
            throw new IllegalArgumentException("output kind " + name + " names a folder twice: " + folders);
        }
    }

    /** The folders that hold this kind's run folders: its row tables and its run records. */
    public List<String> runTables() {
        List<String> all = new ArrayList<>(tables);
        all.add(records);
        return all;
    }
}
