package io.neuronatlas.report;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One part of a neuron's record that comes from a table of its own: the record gets the key {@code field} when
 * every view the section reads exists, and leaves it out otherwise (the page then shows no such section).
 *
 * <p>sql returns at most one row per neuron with the columns checkpoint, matrix, layer, expert, neuron and value
 * (expert as the atlas's expert column has it, null for a dense MLP; a query without an expert column gives values
 * of dense neurons only, as a table written before experts would); value may be any type Spark's to_json writes, and must have the JSON shape the page renders for field (see the package
 * documentation). It may use the named parameter {@code :checkpoints}, the names of the site's checkpoints (an
 * array), to read only their partitions.
 *
 * @param views the views sql reads: the section is skipped unless all exist in the session
 */
public record NeuronSection(String field, List<String> views, String sql) {
    private static final Pattern FIELD = Pattern.compile("[a-z][a-z_]*");

    public NeuronSection {
        if (!FIELD.matcher(field).matches()) {
            throw new IllegalArgumentException("section field must be lower-case letters and _: \"" + field + "\"");
        }
        if (NeuronRecords.BASE_FIELDS.contains(field)) {
            throw new IllegalArgumentException("section field \"" + field + "\" is already a field of every "
                    + "neuron's record " + NeuronRecords.BASE_FIELDS);
        }
        views = List.copyOf(views);
        if (views.isEmpty()) {
            throw new IllegalArgumentException("section " + field + " reads no view");
        }
    }
}
