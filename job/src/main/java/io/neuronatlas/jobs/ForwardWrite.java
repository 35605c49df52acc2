package io.neuronatlas.jobs;

import io.neuronatlas.atlas.ForwardEntry;
import io.neuronatlas.atlas.ForwardParameters;
import io.neuronatlas.atlas.OutputKind;
import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.atlas.RecordWriteSupport;
import io.neuronatlas.atlas.TableFile;
import io.neuronatlas.atlas.TokenLayout;
import java.io.IOException;
import java.time.Instant;
import java.util.function.UnaryOperator;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.SparkSession;

/**
 * Publishes a forward-pass output (clamp sweeps, a validation, generations) of one checkpoint and subject through
 * {@link AtlasWrite}: skipped when the published run has the same fingerprint and parameters and its files are
 * whole, else run and published atomically, a failure leaving the previous output as it was.
 */
public final class ForwardWrite {
    /** The one file per table that a driver writes itself. */
    public static final String DRIVER_FILE = "part-00000.zstd.parquet";

    /** What a call did. */
    public record Published(String run, String reason) {
        /** Whether it ran; else the published output was up to date. */
        public boolean ran() {
            return reason != null;
        }
    }

    /** The body of a run: writes its rows into the run's folders and returns its record (one JSON line). */
    @FunctionalInterface
    public interface Body {
        String write(AtlasWrite.Run run) throws Exception;
    }

    private ForwardWrite() {
    }

    public static Published write(SparkSession spark, String atlas, OutputKind kind, String checkpoint,
                                  String subject, String fingerprint, ForwardParameters parameters,
                                  PublishListener listener, Body body) throws IOException {
        try (AtlasWrite write = AtlasWrite.begin(spark, atlas, kind, checkpoint, listener)) {
            AtlasWrite.Decision<ForwardEntry> decision = write.decide(subject, ForwardEntry.class, fingerprint,
                    parameters, false);
            if (decision.upToDate()) {
                return new Published(decision.entry().run(), null);
            }
            String run = write.run(r -> {
                String record = body.write(r);
                return new AtlasWrite.Outcome<>(new ForwardEntry(checkpoint, subject, r.id(), fingerprint,
                        parameters, Instant.now().toString()), record, r.id());
            });
            return new Published(run, decision.reason());
        }
    }

    /** A table file the driver writes into the run's folder of {@code table}. */
    public static TableFile driverFile(SparkSession spark, AtlasWrite.Run run, String table, MessageType schema)
            throws IOException {
        return TableFile.open(spark.sparkContext().hadoopConfiguration(), run.folder(table), DRIVER_FILE, 0,
                schema, TokenLayout.LOOKUP, UnaryOperator.<RecordWriteSupport.Builder>identity());
    }
}
