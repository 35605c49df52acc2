package io.neuronatlas.query;

import static org.apache.parquet.filter2.predicate.FilterApi.binaryColumn;
import static org.apache.parquet.filter2.predicate.FilterApi.eq;

import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.atlas.MapTables;
import io.neuronatlas.atlas.PublishedRun;
import io.neuronatlas.udfs.TokenText;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.io.api.Binary;

/**
 * The vocabulary entries that are the same word as a token, read straight from the published runs' tokens files
 * with parquet-hadoop: those files are ordered by norm (token_norm of the token) with a bloom filter on it, so a
 * lookup reads one small row group of each and runs no Spark job. find-token needs the ids before its Spark query
 * can pick the token_neurons files to read; as a Spark query of its own, this lookup was about a third of a one-off
 * find-token's time (issue 23). token-variants.sql is the same lookup for SQL users; TokenNeuronsTest holds the
 * two equal.
 */
final class VocabularyLookup {
    private VocabularyLookup() {
    }

    /** The entries whose norm is token's, in every run's tokens files (a run without that folder has none). */
    static List<TokenVariants.Entry> sameWord(Configuration conf, String atlas, List<PublishedRun> runs, String token)
            throws IOException {
        FilterCompat.Filter sameNorm = FilterCompat.get(eq(binaryColumn("norm"),
                Binary.fromString(TokenText.norm(token))));
        Path table = new Path(atlas, MapTables.TOKENS);
        FileSystem fs = table.getFileSystem(conf);
        List<TokenVariants.Entry> entries = new ArrayList<>();
        for (PublishedRun run : runs) {
            Path runDir = new Path(table, AtlasPaths.runPath(run.checkpoint(), run.run()));
            if (!fs.exists(runDir)) {
                continue;
            }
            // Spark's rule for a table's data files: hidden (.crc, attempts) and _-prefixed names are not data.
            for (FileStatus file : fs.listStatus(runDir, p -> !p.getName().startsWith(".")
                    && !p.getName().startsWith("_"))) {
                read(conf, file.getPath(), sameNorm, run.checkpoint(), entries);
            }
        }
        return entries;
    }

    private static void read(Configuration conf, Path file, FilterCompat.Filter filter, String checkpoint,
                             List<TokenVariants.Entry> into) throws IOException {
        // kind is absent from atlases mapped before the tokens table had it, null in some rows since.
        ParquetRows.forEach(conf, file, filter, "vocabulary entries", row -> into.add(new TokenVariants.Entry(
                checkpoint, row.getInteger("token_id", 0), row.getString("token", 0),
                ParquetRows.optionalString(row, "kind"))));
    }
}
