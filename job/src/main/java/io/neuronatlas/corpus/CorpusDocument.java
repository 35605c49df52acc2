package io.neuronatlas.corpus;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * One document of a corpus as a task reads it: where it is, and its text as a reader opened when it is segmented, so
 * that a text file's document streams from the file instead of sitting in memory.
 *
 * @param file      the corpus file's key ({@link Corpus#key})
 * @param fileIndex the file's place in corpus order
 * @param document  a JSON line's byte offset, a Parquet row's index, 0 for a text file
 * @param id        the document's id from the corpus ({@link DocumentIdField}); null when it has none
 */
public record CorpusDocument(String file, int fileIndex, long document, String id, Source text) {
    /** Opens the document's text. */
    @FunctionalInterface
    public interface Source {
        Reader open() throws IOException;
    }

    public static CorpusDocument of(String file, int fileIndex, long document, String id, String text) {
        return new CorpusDocument(file, fileIndex, document, id, () -> new StringReader(text));
    }

    /** A UTF-8 stream that fails on bytes that are not UTF-8 instead of replacing them. */
    public static Reader strictUtf8(InputStream in) {
        return new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));
    }

    /** Where the document is, for messages: "FILE, line at byte N" and the like. */
    public String where(CorpusFormat format) {
        return switch (format) {
            case JSON_LINES -> file + ", the line at byte " + document;
            case PARQUET -> file + ", row " + document;
            case TEXT -> file;
        };
    }
}
