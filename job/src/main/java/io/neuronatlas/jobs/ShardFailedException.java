package io.neuronatlas.jobs;

import java.io.IOException;
import java.util.Locale;

/**
 * A shard of the map that failed on its executor: the message says which shard (matrix, layer, neurons) and why, so
 * that the driver's one line about the failed run can name it, whatever Spark wraps around it.
 */
public final class ShardFailedException extends IOException {
    private static final long serialVersionUID = 1L;

    ShardFailedException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Heap for the message about a task that ran out of it. */
    static String heap() {
        return String.format(Locale.ROOT, "%,d MiB", Runtime.getRuntime().maxMemory() >> 20);
    }
}
