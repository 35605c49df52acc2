package io.neuronatlas.atlas;

import java.io.Closeable;
import java.io.IOException;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.MessageType;

/**
 * One Parquet file of an atlas table, written by one task attempt (or the driver): zstd, the run's shared encodings
 * ({@link TokenLayout#encodings}: {@link TokenLayout#LOOKUP} for every job, the plain layout only in the query
 * benchmark), under a hidden attempt-unique name that {@link #commit} renames to the visible
 * one. A retried or killed attempt therefore never leaves a half-written file under a visible name, and a retry
 * replaces its own file.
 */
public final class TableFile implements Closeable {
    private static final String TEMPORARY_SUFFIX = ".tmp";

    private final FileSystem fs;
    private final Path temporary;
    private final Path committed;
    private final ParquetWriter<RecordWriteSupport.Record> writer;
    private boolean done;

    private TableFile(FileSystem fs, Path temporary, Path committed, ParquetWriter<RecordWriteSupport.Record> writer) {
        this.fs = fs;
        this.temporary = temporary;
        this.committed = committed;
        this.writer = writer;
    }

    /**
     * Opens {@code dir/fileName} for writing under its temporary name.
     *
     * @param attempt   the Spark task attempt id (0 on the driver): two attempts of one task never share a file
     * @param encodings the layout whose encodings every file of the run shares
     * @param tuning    row groups, pages and bloom filters of this table, over the defaults every table shares
     */
    public static TableFile open(Configuration conf, Path dir, String fileName, long attempt, MessageType schema,
                                 TokenLayout encodings, UnaryOperator<RecordWriteSupport.Builder> tuning)
            throws IOException {
        Path temporary = new Path(dir, String.format(Locale.ROOT, ".%s.attempt-%d%s", fileName, attempt,
                TEMPORARY_SUFFIX));
        RecordWriteSupport.Builder builder = new RecordWriteSupport.Builder(HadoopOutputFile.fromPath(temporary, conf),
                schema).withConf(conf).withCompressionCodec(CompressionCodecName.ZSTD)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE);
        ParquetWriter<RecordWriteSupport.Record> writer;
        try {
            writer = tuning.apply(encodings.encodings(builder)).build();
        } catch (IOException | FSError e) {
            throw cannotWrite(new Path(dir, fileName), e);
        }
        return new TableFile(temporary.getFileSystem(conf), temporary, new Path(dir, fileName), writer);
    }

    /** Whether a file name is a temporary file of an attempt that never committed. */
    static boolean isTemporary(String name) {
        return name.startsWith(".") && name.endsWith(TEMPORARY_SUFFIX);
    }

    public void write(RecordWriteSupport.Record record) throws IOException {
        try {
            writer.write(record);
        } catch (IOException | FSError e) {
            throw cannotWrite(committed, e);
        }
    }

    /**
     * The file in the message: its path names the table, checkpoint, run and partition. Hadoop's local file system
     * reports a failed write (a full disk) as an FSError, an Error; here it is the IOException it wraps.
     */
    private static IOException cannotWrite(Path file, Throwable e) {
        Throwable cause = e instanceof FSError && e.getCause() != null ? e.getCause() : e;
        return new IOException("cannot write " + file + ": " + cause.getMessage(), e);
    }

    /** Closes the file and renames it to its visible name, replacing a file an earlier attempt committed. */
    public void commit() throws IOException {
        try {
            writer.close();
        } catch (IOException | FSError e) {
            throw cannotWrite(committed, e);
        }
        fs.delete(committed, false);
        if (!fs.rename(temporary, committed)) {
            throw new IOException("could not rename " + temporary + " to " + committed);
        }
        done = true;
    }

    /** Without a commit, drops this attempt's temporary file. */
    @Override
    public void close() throws IOException {
        if (done) {
            return;
        }
        done = true;
        try {
            writer.close();
        } finally {
            fs.delete(temporary, false);
        }
    }
}
