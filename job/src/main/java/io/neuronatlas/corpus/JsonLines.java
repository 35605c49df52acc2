package io.neuronatlas.corpus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.CharConversionException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The text field of one JSON line, or a clear error naming the file and the line's byte offset. */
public final class JsonLines {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonLines() {
    }

    /**
     * @return the field's text; "" for a blank line or a null field (an empty document, skipped and counted)
     * @throws CorpusException for a line that is not a JSON object in UTF-8, a missing field or one that is not text
     */
    public static String text(byte[] bytes, int length, String column, String file, long offset) {
        if (isBlank(bytes, length)) {
            return "";
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
        JsonNode value = object.get(column);
        if (value == null) {
            List<String> fields = new ArrayList<>();
            object.fieldNames().forEachRemaining(fields::add);
            throw new CorpusException(file + ", the line at byte " + offset + ": no field '" + column + "' (fields: "
                    + fields + "); name the text field with --text-column");
        }
        if (value.isNull()) {
            return "";
        }
        if (!value.isTextual()) {
            throw new CorpusException(file + ", the line at byte " + offset + ": field '" + column + "' is a "
                    + value.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + ", not text");
        }
        return value.textValue();
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
