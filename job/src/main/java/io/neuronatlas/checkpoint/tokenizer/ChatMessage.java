package io.neuronatlas.checkpoint.tokenizer;

import java.util.LinkedHashMap;
import java.util.Map;

/** One turn of a conversation, as chat templates read it: messages[i].role and messages[i].content. */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        if (role == null || role.isBlank() || content == null) {
            throw new IllegalArgumentException("a chat message needs a role and a content");
        }
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    /** The dictionary a template sees, in the order Python's dict prints it ({{ message }}, message|tojson). */
    Map<String, Object> asTemplateValue() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("role", role);
        value.put("content", content);
        return value;
    }
}
