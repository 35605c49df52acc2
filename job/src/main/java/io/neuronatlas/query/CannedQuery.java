package io.neuronatlas.query;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The atlas's named SQL queries, kept as files under {@code io/neuronatlas/query/sql/} so that the commands and a
 * notebook run the same text. They read the views {@link Atlas#open} registers and take named parameters
 * ({@code :a}), for {@code spark.sql(text, Map.of("a", ...))}.
 */
public final class CannedQuery {
    private CannedQuery() {
    }

    /** The text of sql/NAME.sql. */
    public static String sql(String name) {
        String resource = "sql/" + name + ".sql";
        try (InputStream in = CannedQuery.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no canned query '" + name + "': resource io/neuronatlas/query/"
                        + resource + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read canned query " + resource, e);
        }
    }
}
