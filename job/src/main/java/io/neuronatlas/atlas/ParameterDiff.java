package io.neuronatlas.atlas;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The components of two runs' parameters that differ, as the console shows them: "top_k 5 -> 6, map run (none) ->
 * 20260101-...". One way for every kind: equal by {@link Objects#equals}, a missing value shown as "(none)".
 */
public final class ParameterDiff {
    private final List<String> differences = new ArrayList<>();

    /** Adds name's change when mine and theirs differ. */
    public ParameterDiff add(String name, Object mine, Object theirs) {
        if (!Objects.equals(mine, theirs)) {
            differences.add(name + " " + shown(mine) + " -> " + shown(theirs));
        }
        return this;
    }

    @Override
    public String toString() {
        return String.join(", ", differences);
    }

    private static String shown(Object value) {
        return value == null ? "(none)" : value.toString();
    }
}
