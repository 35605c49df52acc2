package io.neuronatlas.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.util.Locale;

/**
 * The JSON field or Parquet column that names a corpus document (most datasets have an {@code id}), kept beside the
 * document's byte offset or row index so that an example can be traced to its source record. Strings and integers
 * are kept as their text; text files have no ids.
 *
 * @param name     the field or column
 * @param required true when --id-field named it: every record must have it; false for the default, {@value #DEFAULT}
 *                 where a record has it
 */
public record DocumentIdField(String name, boolean required) implements Serializable {
    public static final String DEFAULT = "id";

    public DocumentIdField {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("--id-field must name a field or column");
        }
    }

    /** The field --id-field names, or the default when the option was not given (null). */
    public static DocumentIdField of(String option) {
        return option == null ? new DocumentIdField(DEFAULT, false) : new DocumentIdField(option, true);
    }

    /**
     * The id in a JSON line's field value: null when the field is absent or null and not required.
     *
     * @param where the line, for messages ("FILE, the line at byte N")
     * @throws CorpusException for a required field that is missing or null, or a value that is neither a string nor
     *     an integer
     */
    String read(JsonNode value, String where) {
        if (value == null || value.isNull()) {
            if (required) {
                throw new CorpusException(where + ": " + (value == null ? "no field '" + name + "'" : "field '"
                        + name + "' is null") + ", which --id-field " + name + " requires of every line");
            }
            return null;
        }
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.isIntegralNumber()) {
            return value.bigIntegerValue().toString();
        }
        throw new CorpusException(where + ": the document id field '" + name + "' is a " + value.getNodeType()
                .toString().toLowerCase(Locale.ROOT) + ", not a string or an integer" + (required ? ""
                : "; name another id field with --id-field"));
    }
}
