package io.neuronatlas.report;

import io.neuronatlas.query.CannedQuery;
import java.util.List;

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
    /** The views of later tables, checked for so that a report on an atlas that has one says it is not shown. */
    public static final List<String> LATER_VIEWS = List.of(EXAMPLES_VIEW, ACTIVATIONS_VIEW, CLAMP_VIEW,
            VALIDATION_VIEW);

    /** The other same-shape checkpoints of the site, one row per (checkpoint, other): registered when any exist. */
    static final String PAIRS_VIEW = "report_pairs";

    /** The watched tokens' values for the neuron (map --watch) and its rank among its layer's neurons for each. */
    public static final NeuronSection PROFILE = new NeuronSection("profile", List.of("token_profiles"),
            CannedQuery.sql(NeuronSections.class, "section-profile"));
    /** The top and bottom token of the same neuron in the site's other checkpoints of the same shapes. */
    public static final NeuronSection ELSEWHERE = new NeuronSection("elsewhere", List.of("neurons", PAIRS_VIEW),
            CannedQuery.sql(NeuronSections.class, "section-elsewhere"));

    public static final List<NeuronSection> BUILT_IN = List.of(PROFILE, ELSEWHERE);

    private NeuronSections() {
    }
}
