package io.neuronatlas.atlas;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What decides the rows of a clamp, validation or generation run besides the checkpoint: the prompts, target,
 * neurons, clamp values, scope, generation options, as named text values ("values" = "-500.0:500.0:41"). Equal
 * maps mean the published rows are this run's rows.
 */
public record ForwardParameters(@JsonProperty("values") Map<String, String> values) implements RunParameters {
    public ForwardParameters {
        values = new TreeMap<>(Objects.requireNonNull(values, "values"));
    }

    @Override
    public String differences(RunParameters other) {
        Map<String, String> them = ((ForwardParameters) other).values;
        List<String> d = new ArrayList<>();
        TreeMap<String, String> all = new TreeMap<>(values);
        them.forEach(all::putIfAbsent);
        for (String key : all.keySet()) {
            if (!Objects.equals(values.get(key), them.get(key))) {
                d.add(key + " " + brief(values.get(key)) + " -> " + brief(them.get(key)));
            }
        }
        return String.join(", ", d);
    }

    /** Prompts can be long: a difference shows their start. */
    private static String brief(String value) {
        return value == null ? "(none)" : value.length() <= 40 ? value : value.substring(0, 37) + "...";
    }
}
