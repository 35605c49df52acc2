package io.neuronatlas.cli;

import io.neuronatlas.checkpoint.files.InputFile;
import io.neuronatlas.query.Atlas;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scopt.OParser;

/** {@code sql}: one read-only query (ReadOnlySql) against an atlas's tables and functions. */
final class SqlCommand extends QueryCommand<SqlCommand.Args> {
    static final class Args extends QueryCommand.Args {
        String file;
        String statement;
    }

    /** One statement; a megabyte of SQL is not one a person wrote. */
    static final long MAX_FILE_BYTES = InputFile.MIB;

    SqlCommand() {
        super("sql", "run one read-only Spark SQL query against an atlas (views neuron_tokens, neurons, tokens, "
                + "runs, checkpoints, token_profiles)",
                "Runs one query (SELECT, WITH, VALUES, TABLE) against the atlas's tables, registered as views "
                + "(neuron_tokens, neurons, tokens, runs, checkpoints, and token_profiles when the map watched "
                + "tokens), with the functions token_norm, token_script, is_word, neuron_id, "
                + "neuron_id_matrix/_layer/_neuron. Commands, writes, tables named by a path and functions that "
                + "reach Java or files (reflect, java_method, xpath, from_xml, ...) are refused before anything "
                + "runs (docs/sql-guard.md).",
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
            // Bounded, and any readable path: -f <(generate-query) works, -f /dev/zero ends in an error.
            sql = a.file != null ? new String(InputFile.readAtMost(Path.of(a.file), MAX_FILE_BYTES, "a query file"),
                    StandardCharsets.UTF_8) : a.statement;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--file " + a.file + ": no such file");
        }
        // A trailing ';' is habit from spark-sql; Spark's parser takes one statement without it.
        return atlas.sql(sql.strip().replaceAll(";\\s*$", ""));
    }
}
