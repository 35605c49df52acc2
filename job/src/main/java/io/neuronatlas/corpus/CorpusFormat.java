package io.neuronatlas.corpus;

import java.util.List;
import java.util.Locale;

/** How a corpus file is read, by its extension. */
public enum CorpusFormat {
    /** One JSON object per line; the document is one string field. */
    JSON_LINES(List.of(".jsonl", ".json", ".ndjson")),
    /** Rows of a Parquet file; the document is one string column. */
    PARQUET(List.of(".parquet")),
    /** A whole UTF-8 text file is one document. */
    TEXT(List.of(".txt", ".text", ".md"));

    private final List<String> extensions;

    CorpusFormat(List<String> extensions) {
        this.extensions = extensions;
    }

    /** The format of a file name; null when its extension is none of the known ones. */
    public static CorpusFormat of(String fileName) {
        String name = fileName.toLowerCase(Locale.ROOT);
        for (CorpusFormat f : values()) {
            for (String ext : f.extensions) {
                if (name.endsWith(ext)) {
                    return f;
                }
            }
        }
        return null;
    }

    /** Every extension known, for messages. */
    public static String known() {
        StringBuilder b = new StringBuilder();
        for (CorpusFormat f : values()) {
            for (String ext : f.extensions) {
                b.append(b.isEmpty() ? "" : ", ").append(ext);
            }
        }
        return b.toString();
    }
}
