package io.neuronatlas.corpus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.CharConversionException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The text field (and document id) of one JSON line, or a clear error naming the file and the line's byte offset. */
public final class JsonLines {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonLines() {
    }

    /**
     * A line's document.
     *
     * @param text the field's text; "" for a blank line or a null field (an empty document, skipped and counted)
     * @param id   the document's id ({@link DocumentIdField}), null when it has none
     */
    public record Line(String text, String id) {
    }

    /**
     * @return the field's text; "" for a blank line or a null field (an empty document, skipped and counted)
     * @throws CorpusException for a line that is not a JSON object in UTF-8, a missing field or one that is not text
     */
    public static String text(byte[] bytes, int length, String column, String file, long offset) {
        return read(bytes, length, column, null, file, offset).text();
    }

    /**
     * The line's text and, when ids is not null, its document id.
     *
     * @throws CorpusException as {@link #text} does, and as {@link DocumentIdField} does for the id
     */
    public static Line read(byte[] bytes, int length, String column, DocumentIdField ids, String file, long offset) {
        if (isBlank(bytes, length)) {
            return new Line("", null);
        }
        JsonNode node;
        try {
            node = JSON.readTree(bytes, 0, length);
        } catch (CharConversionException e) {
            throw new CorpusException(file + ", the line at byte " + offset + ": not valid UTF-8 (" + e.getMessage()
                    + ")", e);
        } catch (JsonProcessingException e) {
            String why = e.getOriginalMessage();
            boolean encoding = why != null && why.contains("UTF-8");
            throw new CorpusException(file + ", the line at byte " + offset + ": " + (encoding ? "not valid UTF-8"
                    : "not a JSON object") + " (" + why + "); a JSON lines corpus has one JSON object a line", e);
        } catch (IOException e) {
            throw new CorpusException(file + ", the line at byte " + offset + ": " + e.getMessage(), e);
        }
        if (!(node instanceof ObjectNode object)) {
            throw new CorpusException(file + ", the line at byte " + offset + ": a JSON " + node.getNodeType()
                    .toString().toLowerCase(java.util.Locale.ROOT) + ", not an object with a '" + column + "' field");
        }
        String id = ids == null ? null : ids.read(object.get(ids.name()), file + ", the line at byte " + offset);
        JsonNode value = object.get(column);
        if (value == null) {
            List<String> fields = new ArrayList<>();
            object.fieldNames().forEachRemaining(fields::add);
            throw new CorpusException(file + ", the line at byte " + offset + ": no field '" + column + "' (fields: "
                    + fields + "); name the text field with --text-column");
        }
        if (value.isNull()) {
            return new Line("", id);
        }
        if (!value.isTextual()) {
            throw new CorpusException(file + ", the line at byte " + offset + ": field '" + column + "' is a "
                    + value.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + ", not text");
        }
        return new Line(value.textValue(), id);
    }

    private static boolean isBlank(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            if (!Character.isWhitespace(bytes[i])) {
                return false;
            }
        }
        return true;
    }
}
