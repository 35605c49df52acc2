package io.neuronatlas.cli;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;

/**
 * Statements run one at a time, each in a Spark job group of its own, and the cancelling of the one running: Ctrl-C
 * in the shell, a client that hung up in {@code serve}. A statement that was between jobs when cancelled (planning,
 * listing files) has its next job cancelled as it starts, so a cancel never waits for the rest of a statement.
 */
final class JobGroups {
    /** SparkContext.SPARK_JOB_GROUP_ID: the job property that holds the group. */
    private static final String JOB_GROUP = "spark.jobGroup.id";
    /** Unique in the JVM: two shells or servers on one SparkContext (tests) never cancel each other's jobs. */
    private static final AtomicInteger OWNERS = new AtomicInteger();

    private final SparkContext context;
    private final String prefix;
    /** The group of the statement running now, null between statements. */
    private final AtomicReference<String> running = new AtomicReference<>();
    /** The group last cancelled: jobs it starts later are cancelled as they start. */
    private volatile String cancelled;
    private int statements;

    /** @param owner what runs the statements, in the group names Spark shows ("shell", "serve") */
    JobGroups(SparkContext context, String owner) {
        this.context = context;
        this.prefix = "neuron-atlas-" + owner + "-" + OWNERS.incrementAndGet() + "-";
        context.addSparkListener(new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart start) {
                String group = start.properties() == null ? null : start.properties().getProperty(JOB_GROUP);
                if (group != null && group.equals(cancelled)) {
                    context.cancelJob(start.jobId());
                }
            }
        });
    }

    /** Puts this thread's next jobs in a new group; {@link #end()} when the statement is done. */
    String begin(String description) {
        String group = prefix + (++statements);
        context.setJobGroup(group, description.length() > 200 ? description.substring(0, 200) + "..." : description,
                true);
        running.set(group);
        return group;
    }

    void end() {
        running.set(null);
        context.clearJobGroup();
    }

    /** Whether group was cancelled: its statement's failure is the cancel, not an error of its own. */
    boolean wasCancelled(String group) {
        return group.equals(cancelled);
    }

    /** Cancels the running statement's jobs; false when none is running. */
    boolean cancel() {
        String group = running.get();
        return group != null && cancel(group);
    }

    /** Cancels group if it is the one running: a late cancel never reaches the next statement. */
    boolean cancel(String group) {
        if (!group.equals(running.get())) {
            return false;
        }
        cancelled = group;
        // With its future jobs, so Spark does not warn on the console when the statement is between jobs; the
        // listener above is still needed: Spark refuses a cancelled group's later result jobs, but not the map-stage
        // jobs adaptive execution submits.
        context.cancelJobGroupAndFutureJobs(group, "cancelled by the user");
        return true;
    }
}
