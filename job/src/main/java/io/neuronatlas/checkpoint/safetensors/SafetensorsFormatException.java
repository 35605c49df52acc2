package io.neuronatlas.checkpoint.safetensors;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file or model folder that does not hold what it claims, or holds something neuron-atlas will not
 * read. Messages name the file, the tensor at fault when there is one, and the value found next to the value
 * expected, so that a failed job on a cluster can be diagnosed from its log line alone.
 */
public class SafetensorsFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    public SafetensorsFormatException(String message) {
        super(message);
    }

    public SafetensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code "<file>: <detail>"}. */
    static SafetensorsFormatException inFile(Path file, String detail) {
        return new SafetensorsFormatException(file + ": " + detail);
    }

    /** {@code "<file>: tensor '<name>': <detail>"}. */
    static SafetensorsFormatException inTensor(Path file, String tensor, String detail) {
        return new SafetensorsFormatException(file + ": tensor '" + tensor + "': " + detail);
    }
}
