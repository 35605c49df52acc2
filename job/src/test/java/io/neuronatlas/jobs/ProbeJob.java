package io.neuronatlas.jobs;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.atlas.CatalogEntry;
import io.neuronatlas.atlas.OutputKind;
import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.atlas.RunParameters;
import io.neuronatlas.atlas.TableFile;
import io.neuronatlas.atlas.TokenLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * A second kind of atlas output, for tests only until the real ones land: a few tasks each write one Parquet file of
 * generated rows ({@code probe_rows}: task, row, value = seed · 1000 + task · rows + row) through the same write path
 * as the map, and the run is published in the probe catalog, per checkpoint and subject.
 */
final class ProbeJob {
    static final OutputKind PROBE = new OutputKind("probe", "probes", "probe_runs", List.of("probe_rows"),
            "probed");
    static final MessageType ROWS_FILE = Types.buildMessage()
            .required(PrimitiveTypeName.INT32).named("task")
            .required(PrimitiveTypeName.INT32).named("row")
            .required(PrimitiveTypeName.INT64).named("value")
            .named("probe_rows");
    static final int TASKS = 4;

    /**
     * @param rows        rows each task writes: an output parameter
     * @param seed        an output parameter
     * @param millisPerRow how slowly tasks write (crash tests kill the driver meanwhile); not an output parameter
     * @param failingTask a task that throws after writing half its rows, or -1
     */
    record Parameters(int rows, int seed, int millisPerRow, int failingTask) implements java.io.Serializable {
        Output output() {
            return new Output(rows, seed);
        }
    }

    record Output(@JsonProperty("rows") int rows, @JsonProperty("seed") int seed) implements RunParameters {
        @Override
        public String differences(RunParameters parameters) {
            Output other = (Output) parameters;
            List<String> d = new ArrayList<>();
            if (rows != other.rows) {
                d.add("rows " + rows + " -> " + other.rows);
            }
            if (seed != other.seed) {
                d.add("seed " + seed + " -> " + other.seed);
            }
            return String.join(", ", d);
        }
    }

    record Entry(@JsonProperty("checkpoint") String checkpoint, @JsonProperty("subject") String subject,
                 @JsonProperty("run") String run, @JsonProperty("fingerprint") String fingerprint,
                 @JsonProperty("parameters") Output parameters) implements CatalogEntry {
        @Override
        public String toJson() {
            try {
                return new ObjectMapper().writeValueAsString(this);
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** What a call did: the published run, and whether it ran or found the output up to date. */
    record Result(String run, String reason) {
        boolean ran() {
            return reason != null;
        }
    }

    private final SparkSession spark;
    private final PublishListener listener;

    ProbeJob(SparkSession spark, PublishListener listener) {
        this.spark = spark;
        this.listener = listener;
    }

    Result run(String atlas, String checkpoint, String subject, String fingerprint, Parameters parameters)
            throws IOException {
        try (AtlasWrite write = AtlasWrite.begin(spark, atlas, PROBE, checkpoint, listener)) {
            AtlasWrite.Decision<Entry> decision = write.decide(subject, Entry.class, fingerprint, parameters.output(),
                    false);
            if (decision.upToDate()) {
                return new Result(decision.entry().run(), null);
            }
            String reason = decision.reason();
            String run = write.run(r -> {
                JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
                String runId = r.id();
                jsc.parallelize(IntStream.range(0, TASKS).boxed().toList(), TASKS)
                        .foreach(task -> writeTask(atlas, checkpoint, runId, task, parameters));
                List<String> files = IntStream.range(0, TASKS).mapToObj(t -> "probe_rows/"
                        + AtlasPaths.runPath(checkpoint, runId) + "/" + fileName(t)).toList();
                r.checkCommitted(files);
                String record = "{\"runId\":\"" + runId + "\",\"rows\":" + TASKS * parameters.rows() + "}";
                return new AtlasWrite.Outcome<>(new Entry(checkpoint, subject, runId, fingerprint,
                        parameters.output()), record, runId);
            });
            return new Result(run, reason);
        }
    }

    static String fileName(int task) {
        return String.format(Locale.ROOT, "part-%05d.zstd.parquet", task);
    }

    private static void writeTask(String atlas, String checkpoint, String run, int task, Parameters p)
            throws Exception {
        Path dir = new Path(new Path(atlas, "probe_rows"), AtlasPaths.runPath(checkpoint, run));
        long attempt = org.apache.spark.TaskContext.get().taskAttemptId();
        try (TableFile file = TableFile.open(SparkTasks.hadoopConf(), dir, fileName(task), attempt, ROWS_FILE,
                TokenLayout.LOOKUP, UnaryOperator.identity())) {
            for (int row = 0; row < p.rows(); row++) {
                if (task == p.failingTask() && row == p.rows() / 2) {
                    throw new IOException("probe task " + task + " failed on purpose");
                }
                int r = row;
                long value = p.seed() * 1000L + (long) task * p.rows() + row;
                file.write(f -> f.add(task).add(r).add(value));
                if (p.millisPerRow() > 0) {
                    Thread.sleep(p.millisPerRow());
                }
            }
            file.commit();
        }
    }
}
