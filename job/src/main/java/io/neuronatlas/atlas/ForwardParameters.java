package io.neuronatlas.atlas;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
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
        ParameterDiff d = new ParameterDiff();
        TreeMap<String, String> all = new TreeMap<>(values);
        them.forEach(all::putIfAbsent);
        for (String key : all.keySet()) {
            d.add(key, brief(values.get(key)), brief(them.get(key)));
        }
        return d.toString();
    }

    /**
     * 16 hex digits of the SHA-256 of a text: what the parameters keep of long inputs (a prompts file), so that a
     * catalog entry stays one short line, and what names a subject made of many parameters.
     */
    public static String digest(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Prompts can be long: a difference shows their start. */
    private static String brief(String value) {
        return value == null || value.length() <= 40 ? value : value.substring(0, 37) + "...";
    }
}
