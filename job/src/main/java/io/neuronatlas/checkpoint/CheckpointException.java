package io.neuronatlas.checkpoint;

import java.io.IOException;

/** A model folder that cannot be mapped as it is: the message names the file, the tensor and both values. */
public class CheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
