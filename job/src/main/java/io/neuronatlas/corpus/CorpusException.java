package io.neuronatlas.corpus;

/** A corpus that cannot be read as asked: the message names the file (and line or row) and what to do. */
public final class CorpusException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public CorpusException(String message) {
        super(message);
    }

    public CorpusException(String message, Throwable cause) {
        super(message, cause);
    }
}
