package io.neuronatlas.query;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The SQL of the canned queries, kept as files (io/neuronatlas/query/sql/NAME.sql in the job jar) so that the
 * subcommands, notebooks and anyone with spark-sql run the same text. Parameters are Spark named parameters
 * (:token), bound with {@code spark.sql(sql, Map)}.
 */
public final class CannedQuery {
    private CannedQuery() {
    }

    /** The text of NAME.sql; an unknown name is an error naming the resource looked for. */
    public static String sql(String name) {
        return sql(CannedQuery.class, name);
    }

    /** The text of sql/NAME.sql beside owner's package, for SQL kept with the code that runs it. */
    public static String sql(Class<?> owner, String name) {
        String resource = "sql/" + name + ".sql";
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no canned query '" + name + "' (looked for "
                        + owner.getPackageName().replace('.', '/') + "/" + resource + ")");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
