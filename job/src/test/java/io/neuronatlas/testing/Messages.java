package io.neuronatlas.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Assertions on the messages users read. */
public final class Messages {
    private Messages() {
    }

    /** The message says each of these, word for word. */
    public static void assertMentions(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message != null && message.contains(part), "message lacks '" + part + "': " + message);
        }
    }
}
