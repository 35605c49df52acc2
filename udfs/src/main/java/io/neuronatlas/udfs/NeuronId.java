package io.neuronatlas.udfs;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A neuron's name for links and joins: "L26.up.1442" is neuron 1442 of layer 26's up_proj; in a mixture of experts
 * "L12.e5.up.300" is neuron 300 of expert 5's up_proj in layer 12, and "L12.shared.up.300" the shared expert's.
 *
 * @param matrix gate, up or down
 * @param expert null for a dense MLP, an expert's index ("5") or "shared", as the atlas's expert column holds it
 */
public record NeuronId(String matrix, int layer, String expert, int neuron) {
    public static final String SHARED = "shared";
    private static final Pattern FORM = Pattern.compile("L(\\d{1,9})\\.(?:e(\\d{1,9})\\.|(shared)\\.)?(gate|up|down)"
            + "\\.(\\d{1,9})");
    private static final Pattern INDEX = Pattern.compile("0|[1-9]\\d{0,8}");

    public NeuronId {
        if (!isMatrix(matrix)) {
            throw new IllegalArgumentException("matrix must be gate, up or down, found '" + matrix + "'");
        }
        if (layer < 0 || neuron < 0) {
            throw new IllegalArgumentException("layer and neuron must not be negative: " + layer + ", " + neuron);
        }
        if (expert != null && !isExpert(expert)) {
            throw new IllegalArgumentException("expert must be an index or '" + SHARED + "', found '" + expert + "'");
        }
    }

    /** A dense MLP's neuron. */
    public NeuronId(String matrix, int layer, int neuron) {
        this(matrix, layer, null, neuron);
    }

    static boolean isMatrix(String matrix) {
        return matrix.equals("gate") || matrix.equals("up") || matrix.equals("down");
    }

    /** Whether the text is an expert column value: an index without leading zeros, or "shared". */
    static boolean isExpert(String expert) {
        return expert.equals(SHARED) || INDEX.matcher(expert).matches();
    }

    /** The parsed id, or null when text is not of the form L{layer}.[e{expert}.|shared.]{gate|up|down}.{neuron}. */
    public static NeuronId parse(String text) {
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            return null;
        }
        String expert = m.group(2) != null ? m.group(2) : m.group(3);
        if (expert != null && !isExpert(expert)) {
            return null;
        }
        return new NeuronId(m.group(4), Integer.parseInt(m.group(1)), expert, Integer.parseInt(m.group(5)));
    }

    @Override
    public String toString() {
        String part = expert == null ? "" : expert.equals(SHARED) ? SHARED + "." : "e" + expert + ".";
        return "L" + layer + "." + part + matrix + "." + neuron;
    }
}
