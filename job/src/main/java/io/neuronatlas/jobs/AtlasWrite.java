package io.neuronatlas.jobs;

import io.neuronatlas.atlas.AtlasFolder;
import io.neuronatlas.atlas.Catalog;
import io.neuronatlas.atlas.CatalogEntry;
import io.neuronatlas.atlas.OutputKind;
import io.neuronatlas.atlas.PublishListener;
import io.neuronatlas.atlas.RunParameters;
import io.neuronatlas.atlas.RunPublisher;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.Fingerprint;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkJobInfo;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.JavaSparkStatusTracker;
import org.apache.spark.sql.SparkSession;

/**
 * The one way a Spark job writes into an atlas, whatever it outputs (a map today; clamp sweeps and examples next).
 * It holds the kind and checkpoint's run lock from {@link #begin} to {@link #close}, so runs of other checkpoints, and
 * runs of other kinds of the same checkpoint, go on at the same time. A job asks {@link #decide} whether the
 * published output is already this one (same fingerprint, same output parameters, files whole); if it is, it stops;
 * else {@link #run}: its tasks write the run's rows into the run's own folders, and the run is published by one atomic
 * rename of the catalog entry. Whatever fails or is killed before that rename leaves the previous output published and
 * whole, and a failure on this driver deletes the run's folders.
 */
public final class AtlasWrite implements AutoCloseable {
    /** Files hashed at once: the fingerprint reads every tensor a job uses, so a few threads keep the disk busy. */
    private static final int FINGERPRINT_THREADS = Math.min(4, Runtime.getRuntime().availableProcessors());
    private static final DateTimeFormatter RUN_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC);

    private final SparkSession spark;
    private final String atlas;
    private final OutputKind kind;
    private final String checkpoint;
    private final Catalog catalog;
    private final Catalog.RunLock lock;
    private final PublishListener listener;

    private AtlasWrite(SparkSession spark, String atlas, OutputKind kind, String checkpoint, Catalog catalog,
                       Catalog.RunLock lock, PublishListener listener) {
        this.spark = spark;
        this.atlas = atlas;
        this.kind = kind;
        this.checkpoint = checkpoint;
        this.catalog = catalog;
        this.lock = lock;
        this.listener = listener;
    }

    /**
     * Takes the kind and checkpoint's run lock; fails at once if another run of them holds it, or if the atlas folder
     * is one no job may write ({@link AtlasFolder}).
     */
    public static AtlasWrite begin(SparkSession spark, String atlas, OutputKind kind, String checkpoint,
                                   PublishListener listener) throws IOException {
        AtlasFolder.check(conf(spark), atlas, null);
        Catalog catalog = new Catalog(conf(spark), atlas, kind);
        return new AtlasWrite(spark, atlas, kind, checkpoint, catalog, catalog.lock(checkpoint), listener);
    }

    /** The published entry of this checkpoint and subject ("" for kinds with one output per checkpoint). */
    public <E extends CatalogEntry> Optional<E> published(String subject, Class<E> type) throws IOException {
        return catalog.read(checkpoint, subject, type);
    }

    /**
     * Whether this output must be computed: up to date when the published entry of this checkpoint and subject was
     * made from the same weights (fingerprint) with the same output parameters, no rerun is forced and its files
     * are whole; then what superseded or killed runs left is tidied away. Else the reason to run, for the console.
     *
     * @param subject "" for kinds with one output per checkpoint
     */
    public <E extends CatalogEntry> Decision<E> decide(String subject, Class<E> type, String fingerprint,
                                                       RunParameters parameters, boolean force) throws IOException {
        Optional<E> published = published(subject, type);
        String reason = reasonToRun(published, fingerprint, parameters, force);
        if (reason == null) {
            reason = damage(published.get());
        }
        if (reason == null) {
            tidy(); // whatever a killed run of this checkpoint left is no longer anyone's
        }
        return new Decision<>(published, reason);
    }

    /**
     * What {@link #decide} found.
     *
     * @param published the published entry, if any
     * @param reason    why the output must be computed; null when the published one is up to date
     */
    public record Decision<E extends CatalogEntry>(Optional<E> published, String reason) {
        public boolean upToDate() {
            return reason == null;
        }

        /** The published entry, which is this output when it is up to date. */
        public E entry() {
            return published.orElseThrow();
        }

        /** The same decision with a more precise reason to run. */
        public Decision<E> because(String why) {
            return new Decision<>(published, why);
        }
    }

    /**
     * Null when the published output was made from this checkpoint (same fingerprint) with the same output
     * parameters and no rerun is forced; else why the run must happen. {@link #decide} also checks the files.
     */
    static String reasonToRun(Optional<? extends CatalogEntry> published, String fingerprint,
                              RunParameters parameters, boolean force) {
        if (published.isEmpty()) {
            return "new checkpoint";
        }
        if (force) {
            return "--force";
        }
        CatalogEntry entry = published.get();
        if (!entry.fingerprint().equals(fingerprint)) {
            return "weights changed (fingerprint " + entry.fingerprint() + " -> " + fingerprint + ")";
        }
        if (!entry.parameters().equals(parameters)) {
            return "parameters changed (" + entry.parameters().differences(parameters) + ")";
        }
        return null;
    }

    /** The checkpoint's identity, which every atlas output is published with. */
    public static Fingerprint fingerprint(Checkpoint checkpoint) throws IOException {
        return Fingerprint.of(checkpoint, FINGERPRINT_THREADS);
    }

    /**
     * Null when the published run's folders still hold exactly the files it committed (by name and size); else
     * why they do not, the reason to run again: a file deleted or changed, or one added by a write into the run's
     * folders that did not come from its tasks.
     */
    public String damage(CatalogEntry published) throws IOException {
        return RunPublisher.damage(conf(spark), atlas, kind, checkpoint, published.run());
    }

    /** The record (one JSON line) of the published run, if it is still there. */
    public Optional<String> publishedRecord(CatalogEntry published) throws IOException {
        return RunPublisher.readRecord(conf(spark), atlas, kind, checkpoint, published.run());
    }

    /** Deletes what superseded or killed runs of this kind and checkpoint left; the published output stays. */
    public void tidy() throws IOException {
        RunPublisher.tidy(conf(spark), atlas, kind, checkpoint);
    }

    /** One run in progress: its id, its folders, its Spark job group. */
    public static final class Run {
        private final RunPublisher publisher;
        private final String jobGroup;
        private final Instant startedAt;

        private Run(RunPublisher publisher, String jobGroup, Instant startedAt) {
            this.publisher = publisher;
            this.jobGroup = jobGroup;
            this.startedAt = startedAt;
        }

        public String id() {
            return publisher.runId();
        }

        public Instant startedAt() {
            return startedAt;
        }

        /** The Spark job group the run's jobs belong to; cancelled as a whole when the run fails. */
        public String jobGroup() {
            return jobGroup;
        }

        /** This run's folder of one of its kind's tables, for rows the driver writes itself. */
        public Path folder(String table) {
            return publisher.runFolder(table);
        }

        /** Checks that the tasks committed these files (relative to the atlas) and removes failed attempts' files. */
        public void checkCommitted(List<String> files) throws IOException {
            publisher.checkCommitted(files);
        }
    }

    /** What a finished run publishes: its catalog entry and its record (one JSON line), and what the job returns. */
    public record Outcome<R>(CatalogEntry entry, String recordJson, R result) {
    }

    /** The body of a run: its Spark jobs (under the run's job group) and the files the driver writes. */
    @FunctionalInterface
    public interface Body<R> {
        Outcome<R> compute(Run run) throws Exception;
    }

    /**
     * Runs body as a new run and publishes it. Any failure before the catalog entry is replaced (a task that failed,
     * a Spark exception, a full disk) cancels the run's Spark jobs, waits for their tasks to stop, deletes the run's
     * folders and rethrows; the previously published output stays as it was.
     */
    public <R> R run(Body<R> body) throws IOException {
        Instant started = Instant.now();
        String runId = RUN_TIME.format(started) + "-" + UUID.randomUUID().toString().substring(0, 8);
        RunPublisher publisher = new RunPublisher(conf(spark), atlas, kind, checkpoint, runId, listener);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Run run = new Run(publisher, "neuron-atlas-" + kind.name() + "-" + runId, started);
        try {
            jsc.setJobGroup(run.jobGroup(), "neuron-atlas " + kind.name() + " " + checkpoint, true);
            Outcome<R> outcome = body.compute(run);
            jsc.clearJobGroup();
            publisher.writeRecord(outcome.recordJson());
            publisher.writeFileList();
            publisher.publish(outcome.entry());
            return outcome.result();
        } catch (Exception | FSError e) {
            // Hadoop's local file system reports a failed write on the driver (a full disk) as an FSError.
            // Once the catalog names this run its folders are the published output: never delete them.
            if (publisher.published()) {
                if (e instanceof IOException io) {
                    throw io;
                }
                if (e instanceof RuntimeException runtime) {
                    throw runtime;
                }
                throw new IOException(e.getMessage(), e);
            }
            // Tasks of a failed job may still be running and writing; let them stop before their folders go. The
            // group is this run's alone, so its future jobs go too; and Spark warns on the console only when it
            // cancels a group without that, which races with the failed job's own end.
            jsc.sc().cancelJobGroupAndFutureJobs(run.jobGroup(), "the run failed");
            awaitNoActiveTasks(jsc, run.jobGroup(), TimeUnit.MINUTES.toMillis(2));
            boolean deleted = true;
            try {
                publisher.abandon();
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
                deleted = false;
            }
            throw new RunFailedException(unchanged() + (deleted ? " (the failed run's files were deleted)"
                    : " (the failed run's files are deleted by the next run)"), e);
        } finally {
            jsc.clearJobGroup();
        }
    }

    /** What a failed run left of the published output: for the one line a user sees. */
    private String unchanged() {
        try {
            boolean any = catalog.publishedRuns().stream().anyMatch(p -> p.checkpoint().equals(checkpoint));
            return any ? "the published " + kind.name() + " of " + checkpoint + " is unchanged"
                    : "nothing of " + checkpoint + " was published";
        } catch (IOException | RuntimeException e) {
            return "the published " + kind.name() + " of " + checkpoint + ", if any, is unchanged";
        }
    }

    /**
     * A run that failed before it was published. Its message is the failure's; {@link #note} says what became of
     * the published output, for the line the user reads.
     */
    public static final class RunFailedException extends IOException {
        private static final long serialVersionUID = 1L;
        private final String note;

        RunFailedException(String note, Throwable cause) {
            super(cause.getMessage(), cause);
            this.note = note;
        }

        public String note() {
            return note;
        }
    }

    /** Waits until no task of group runs (a cancelled task ends at its next check), or timeoutMillis. */
    private static void awaitNoActiveTasks(JavaSparkContext jsc, String group, long timeoutMillis) {
        JavaSparkStatusTracker tracker = jsc.statusTracker();
        long deadline = System.currentTimeMillis() + timeoutMillis;
        // The status tracker learns of task starts and ends through the listener bus, which lags behind the
        // scheduler on a loaded machine: a job's failure can reach this thread before the start of a task still
        // writing, which would then count as no task at all. Drained, the bus has posted every start and end so far.
        try {
            jsc.sc().listenerBus().waitUntilEmpty(timeoutMillis);
        } catch (TimeoutException e) {
            return;
        }
        while (System.currentTimeMillis() < deadline) {
            int active = 0;
            for (int job : tracker.getJobIdsForGroup(group)) {
                SparkJobInfo info = tracker.getJobInfo(job);
                for (int stage : info == null ? new int[0] : info.stageIds()) {
                    SparkStageInfo stageInfo = tracker.getStageInfo(stage);
                    active += stageInfo == null ? 0 : stageInfo.numActiveTasks();
                }
            }
            if (active == 0) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static Configuration conf(SparkSession spark) {
        return spark.sparkContext().hadoopConfiguration();
    }

    @Override
    public void close() throws IOException {
        lock.close();
    }
}
