package io.neuronatlas.checkpoint.tokenizer;

import com.fasterxml.jackson.annotation.JsonValue;
import com.hubspot.jinjava.util.HasObjectTruthValue;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/**
 * Values as Python's str() and repr() write them, which is what Jinja2 prints: {@code True}, {@code False},
 * {@code None}, {@code ['a', True]}, {@code {'k': None}}. Jinjava prints Java's {@code true}, {@code null} and
 * {@code [a, true]} instead.
 */
final class PythonValues {
    private PythonValues() {
    }

    /**
     * Python's None, distinct from Java null, which jinjava uses for an undefined name (printed as nothing, as
     * Jinja2's Undefined is). False in a condition, {@code null} in JSON.
     */
    enum None implements HasObjectTruthValue {
        NONE;

        @Override
        public boolean getObjectTruthValue() {
            return false;
        }

        @JsonValue
        Object json() {
            return null;
        }

        @Override
        public String toString() {
            return "None";
        }
    }

    /** str(value); an undefined value (Java null) is the empty string, as Jinja2 prints Undefined. */
    static String str(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof String s) {
            return s;
        }
        return repr(value);
    }

    /** Whether str(value) differs from what jinjava writes for it. */
    static boolean differsFromJava(Object value) {
        return value instanceof Boolean || value instanceof None || value instanceof Collection<?>
                || value instanceof Map<?, ?>;
    }

    private static String repr(Object value) {
        if (value == null || value instanceof None) {
            return "None";
        }
        if (value instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (value instanceof CharSequence s) {
            return stringRepr(s.toString());
        }
        if (value instanceof Collection<?> items) {
            StringBuilder out = new StringBuilder("[");
            for (Iterator<?> it = items.iterator(); it.hasNext(); ) {
                out.append(repr(it.next())).append(it.hasNext() ? ", " : "");
            }
            return out.append(']').toString();
        }
        if (value instanceof Map<?, ?> map) {
            StringBuilder out = new StringBuilder("{");
            for (Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<?, ?> e = it.next();
                out.append(repr(e.getKey())).append(": ").append(repr(e.getValue())).append(it.hasNext() ? ", " : "");
            }
            return out.append('}').toString();
        }
        return value.toString();
    }

    /** Python's repr of a str: single quotes unless only double quotes avoid escaping; control characters escaped. */
    private static String stringRepr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder().append(quote);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c == quote) {
                        out.append('\\').append(c);
                    } else if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append(quote).toString();
    }
}
