package io.neuronatlas.cli;

import io.neuronatlas.query.Atlas;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scopt.OParser;

/** {@code sql}: any Spark SQL against an atlas's tables and functions. */
final class SqlCommand extends QueryCommand<SqlCommand.Args> {
    static final class Args extends QueryCommand.Args {
        String file;
        String statement;
    }

    SqlCommand() {
        super("sql", "run Spark SQL against an atlas (views neuron_tokens, neurons, tokens, runs, token_profiles)",
                "Runs one SQL statement against the atlas's tables, registered as views (neuron_tokens, neurons, "
                + "tokens, runs, and token_profiles when the map watched tokens), with the functions token_norm, "
                + "token_script, is_word, neuron_id, neuron_id_matrix/_layer/_neuron.",
                100, Args::new);
    }

    @Override
    List<OParser<?, Args>> options(Scopt<Args> s) {
        return List.of(
                s.string("file", "FILE.sql", "read the statement from a file", (a, v) -> a.file = v).abbr("f"),
                s.argument("SQL", "the statement (or use -f FILE)", (a, v) -> a.statement = v).optional());
    }

    @Override
    Dataset<Row> query(Atlas atlas, Args a, PrintStream out) throws Exception {
        if ((a.file == null) == (a.statement == null)) {
            throw new IllegalArgumentException("give the SQL either as an argument or with --file, not "
                    + (a.file == null ? "neither" : "both"));
        }
        String sql;
        try {
            sql = a.file != null ? Files.readString(Path.of(a.file)) : a.statement;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--file " + a.file + ": no such file");
        }
        // A trailing ';' is habit from spark-sql; Spark's parser takes one statement without it.
        return atlas.sql(sql.strip().replaceAll(";\\s*$", ""));
    }
}
