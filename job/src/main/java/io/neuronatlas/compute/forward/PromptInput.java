package io.neuronatlas.compute.forward;

import io.neuronatlas.checkpoint.ForwardConfig;
import io.neuronatlas.checkpoint.tokenizer.ChatMessage;
import io.neuronatlas.checkpoint.tokenizer.PromptEncoder;
import java.io.IOException;
import java.util.List;

/** A prompt from the command line or a prompts file, as token ids a pass accepts; errors name where it came from. */
public final class PromptInput {
    private PromptInput() {
    }

    /**
     * @param chat  render it as the user's message with the model's chat template
     * @param where the option or line it came from, named in errors ("--prompt", "--prompts line 3")
     * @throws IllegalArgumentException for an empty prompt or one longer than the model's context
     * @throws IOException              for --chat without a chat template (naming tokenizer_config.json)
     */
    public static int[] encode(PromptEncoder encoder, ForwardConfig config, String text, boolean chat, String where)
            throws IOException {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(where + ": the prompt is empty");
        }
        int[] ids = chat ? encoder.encodeChat(List.of(ChatMessage.user(text))) : encoder.encode(text);
        try {
            Prompts.check(config, new int[][] {ids}, 0);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        return ids;
    }
}
