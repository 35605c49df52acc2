package io.neuronatlas.query;

import java.io.IOException;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;

/**
 * An atlas file's rows read with parquet-hadoop, outside Spark, for the lookups that need no Spark job
 * ({@link VocabularyLookup}, {@link TokenLookup}).
 */
final class ParquetRows {
    private ParquetRows() {
    }

    /**
     * Hands each row the filter lets through (row groups and pages skipped by their statistics, the rest row by row)
     * to action; any failure, the action's included, is an IOException naming the file and what was being read.
     */
    static void forEach(Configuration conf, Path file, FilterCompat.Filter filter, String what,
                        Consumer<Group> action) throws IOException {
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), file).withConf(conf)
                .withFilter(filter).build()) {
            for (Group row = reader.read(); row != null; row = reader.read()) {
                action.accept(row);
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": cannot read the " + what + " (" + e.getMessage() + ")", e);
        }
    }

    /** An optional string column's value: null where the row has none or the file predates the column. */
    static String optionalString(Group row, String field) {
        return row.getType().containsField(field) && row.getFieldRepetitionCount(field) > 0
                ? row.getString(field, 0) : null;
    }
}
