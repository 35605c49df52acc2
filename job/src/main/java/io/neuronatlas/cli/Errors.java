package io.neuronatlas.cli;

import io.neuronatlas.checkpoint.CheckpointException;
import io.neuronatlas.checkpoint.safetensors.SafetensorsFormatException;
import io.neuronatlas.checkpoint.tokenizer.TokenizerFormatException;
import io.neuronatlas.compute.device.DeviceRule;

/** Finds the message a user needs in an exception chain, including failures Spark wrapped on an executor. */
final class Errors {
    private Errors() {
    }

    static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CheckpointException || t instanceof SafetensorsFormatException
                    || t instanceof TokenizerFormatException || t instanceof DeviceRule.DeviceUnavailableException
                    || t instanceof IllegalArgumentException) {
                return t.getMessage();
            }
        }
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        // Spark reports an executor's exception as text inside "Job aborted due to stage failure: ...".
        for (String marker : new String[] {"DeviceUnavailableException: ", "CheckpointException: ",
                "SafetensorsFormatException: ", "TokenizerFormatException: "}) {
            int at = message.indexOf(marker);
            if (at >= 0) {
                String rest = message.substring(at + marker.length());
                int end = rest.indexOf('\n');
                return end < 0 ? rest : rest.substring(0, end);
            }
        }
        return message;
    }
}
