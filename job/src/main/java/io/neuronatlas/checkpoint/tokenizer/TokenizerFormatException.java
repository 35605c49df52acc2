package io.neuronatlas.checkpoint.tokenizer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A tokenizer.json that cannot be turned into a token table: not JSON, missing parts, or a model or
 * decoding scheme this package does not support. The message names the file and the problem.
 */
public class TokenizerFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    // A String, not a Path: Path is not Serializable and exceptions may cross Spark's wire.
    private final String file;
    private final String problem;

    public TokenizerFormatException(Path file, String problem) {
        this(file, problem, null);
    }

    public TokenizerFormatException(Path file, String problem, Throwable cause) {
        super("Unusable tokenizer file " + file + ": " + problem, cause);
        this.file = String.valueOf(file);
        this.problem = problem;
    }

    /** The offending file, as given to the loader. */
    public String file() {
        return file;
    }

    /** What is wrong with it, without the file name. */
    public String problem() {
        return problem;
    }
}
