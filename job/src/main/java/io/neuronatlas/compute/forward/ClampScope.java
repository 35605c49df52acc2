package io.neuronatlas.compute.forward;

import java.util.Locale;

/** Which positions a clamp overrides; recorded with every result, since the two give different curves. */
public enum ClampScope {
    /** Every position of the prompt and every generated one: what the paper does. */
    ALL,
    /**
     * The last position of each forward call only: the prompt's last token in a sweep, and in generation the
     * prompt's last token and then every new token (each step computes one position).
     */
    LAST;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming --scope */
    public static ClampScope parse(String text) {
        for (ClampScope s : values()) {
            if (s.label().equals(text == null ? "" : text.trim().toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("--scope must be all or last, found '" + text + "'");
    }
}
