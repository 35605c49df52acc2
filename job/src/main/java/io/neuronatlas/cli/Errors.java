package io.neuronatlas.cli;

import io.neuronatlas.checkpoint.CheckpointException;
import io.neuronatlas.checkpoint.files.InputFile;
import io.neuronatlas.checkpoint.safetensors.SafetensorsFormatException;
import io.neuronatlas.checkpoint.tokenizer.TokenizerFormatException;
import io.neuronatlas.compute.device.DeviceRule;
import io.neuronatlas.jobs.AtlasWrite;
import io.neuronatlas.jobs.ShardFailedException;

/**
 * Finds the message a user needs in an exception chain, including failures Spark wrapped on an executor, and makes
 * it the one line the console shows: which shard or file, what went wrong, what to do, and, when a run failed, what
 * became of the published output. Stack traces are for NEURON_ATLAS_DEBUG only.
 */
final class Errors {
    /** Exception types whose message is written for the user: the first one in a chain is the message. */
    private static final Class<?>[] EXPLAINED = {ShardFailedException.class, CheckpointException.class,
        SafetensorsFormatException.class, TokenizerFormatException.class, DeviceRule.DeviceUnavailableException.class,
        InputFile.InputFileException.class, IllegalArgumentException.class};

    /** The same, as Spark prints an executor's exception inside "Job aborted due to stage failure: ...". */
    private static final String[] MARKERS = {"ShardFailedException: ", "DeviceUnavailableException: ",
        "CheckpointException: ", "SafetensorsFormatException: ", "TokenizerFormatException: "};

    private Errors() {
    }

    static String describe(Throwable e) {
        String message = advice(explained(e));
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AtlasWrite.RunFailedException run) {
                return message.replaceAll("[.\\s]+$", "") + "; " + run.note();
            }
        }
        return message;
    }

    private static String explained(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            for (Class<?> type : EXPLAINED) {
                if (type.isInstance(t)) {
                    return t.getMessage();
                }
            }
            if (t instanceof OutOfMemoryError) {
                return InputFile.outOfMemory("this run");
            }
        }
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        for (String marker : MARKERS) {
            int at = message.indexOf(marker);
            if (at >= 0) {
                return firstLine(message.substring(at + marker.length()));
            }
        }
        // Spark's own text: its first line says what failed; the rest is a stack trace as text.
        return firstLine(message);
    }

    /** What to do about failures whose cause the user must fix outside neuron-atlas. */
    private static String advice(String message) {
        if (message.contains("No space left on device")) {
            return message + " (free space where the atlas is, or map into another --out)";
        }
        if (message.contains("Read-only file system")) {
            return message + " (map into a folder on a writable file system)";
        }
        return message;
    }

    private static String firstLine(String text) {
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }
}
