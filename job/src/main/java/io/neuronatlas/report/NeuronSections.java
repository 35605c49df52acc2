package io.neuronatlas.report;

import io.neuronatlas.query.CannedQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The sections of a neuron's record beyond its top tokens and statistics, and the views the later ones will read.
 * Adding a table to the viewer is a contained change: a SQL file in io/neuronatlas/report/sql/ that returns the
 * value in the shape the package documentation gives, and one entry in {@link #BUILT_IN}; the page already renders
 * every shape documented there.
 */
public final class NeuronSections {
    /** Max-activating examples and quantile samples: fields {@code examples} and {@code quantiles}. */
    public static final String EXAMPLES_VIEW = "neuron_examples";
    /** Activation histograms: field {@code activations}. */
    public static final String ACTIVATIONS_VIEW = "neuron_activations";
    /** Clamp sweeps: field {@code clamp}. */
    public static final String CLAMP_VIEW = "clamp_sweeps";
    /** Validation verdicts: field {@code validation}. */
    public static final String VALIDATION_VIEW = "neuron_validation";
    /**
     * The views of the tables written beside the map, checked for so that a report on an atlas that has one no section
     * reads says it is not shown.
     */
    public static final List<String> LATER_VIEWS = List.of(EXAMPLES_VIEW, ACTIVATIONS_VIEW, CLAMP_VIEW,
            VALIDATION_VIEW);

    /** Max-activating examples shown per sign and neuron (the site's budget: a shard holds 16 indices). */
    public static final int EXAMPLES_PER_SIGN = 5;
    /** Tokens shown before an example's extreme token, and after it: the stored window (32, 31) cut to fit. */
    public static final int TOKENS_BEFORE = 8;
    public static final int TOKENS_AFTER = 3;
    /** Samples shown per quantile band (the table keeps up to 3). */
    public static final int BAND_SAMPLES = 1;
    /** Clamp curves shown per neuron (one per target, prompt and scope). */
    public static final int CLAMP_CURVES = 8;

    /** The other same-shape checkpoints of the site, one row per (checkpoint, other): registered when any exist. */
    static final String PAIRS_VIEW = "report_pairs";
    /**
     * Per checkpoint and layer, the matrix whose record carries an activation's sections: the examples, statistics,
     * clamp curves and validations are of act(gate)·up at (layer, index), one per index rather than per matrix, so
     * they go on one record of the index (the first matrix the map has, in gate, up, down order) and the page shows
     * them on each matrix's page of that index (report-home.sql).
     */
    static final String HOME_VIEW = "report_home";
    /** neuron_examples' rows as the page shows them, windows cut (example-windows.sql): when the atlas has examples. */
    static final String WINDOWS_VIEW = "report_example_windows";

    /** The watched tokens' values for the neuron (map --watch) and its rank among its layer's neurons for each. */
    public static final NeuronSection PROFILE = new NeuronSection("profile", List.of("token_profiles"),
            CannedQuery.sql(NeuronSections.class, "section-profile"));
    /** The top and bottom token of the same neuron in the site's other checkpoints of the same shapes. */
    public static final NeuronSection ELSEWHERE = new NeuronSection("elsewhere", List.of("neurons", PAIRS_VIEW),
            CannedQuery.sql(NeuronSections.class, "section-elsewhere"));

    /** Both signs' max-activating examples, windows cut to the site's budget. */
    public static final NeuronSection EXAMPLES = activation("examples", List.of(EXAMPLES_VIEW, WINDOWS_VIEW),
            "section-examples");
    /** Samples from the quantile bands of the activation distribution, with the bands' bounds. */
    public static final NeuronSection QUANTILES = activation("quantiles", List.of(EXAMPLES_VIEW, WINDOWS_VIEW,
            ACTIVATIONS_VIEW), "section-quantiles");
    /** The activation histogram, density, statistics and agreement with the map. */
    public static final NeuronSection ACTIVATIONS = activation("activations", List.of(ACTIVATIONS_VIEW),
            "section-activations");
    /** The target's probability against the clamp value, per target, prompt and scope. */
    public static final NeuronSection CLAMP = activation("clamp", List.of(CLAMP_VIEW), "section-clamp");
    /** Per validated target: a verdict derived from the causal effect, and its metrics. */
    public static final NeuronSection VALIDATION = activation("validation", List.of(VALIDATION_VIEW),
            "section-validation");

    public static final List<NeuronSection> BUILT_IN = List.of(PROFILE, ELSEWHERE, EXAMPLES, QUANTILES, ACTIVATIONS,
            CLAMP, VALIDATION);

    /** The named parameters the sections' queries use besides :checkpoints. */
    static final Map<String, Object> LIMITS = Map.of("examples", EXAMPLES_PER_SIGN,
            "before", TOKENS_BEFORE, "after", TOKENS_AFTER, "samples", BAND_SAMPLES, "curves", CLAMP_CURVES);

    private static NeuronSection activation(String field, List<String> views, String sql) {
        List<String> all = new ArrayList<>(views);
        all.add(HOME_VIEW);
        return new NeuronSection(field, all, CannedQuery.sql(NeuronSections.class, sql));
    }

    private NeuronSections() {
    }
}
