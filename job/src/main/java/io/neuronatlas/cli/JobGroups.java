package io.neuronatlas.cli;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.SparkContext;

/**
 * Statements run one at a time, each in a Spark job group of its own, and the cancelling of the one running: Ctrl-C
 * in the shell, a client that hung up in {@code serve}. A statement that was between jobs when cancelled (planning,
 * listing files) has its next job refused, so a cancel never waits for the rest of a statement.
 */
final class JobGroups {
    /** Unique in the JVM: two shells or servers on one SparkContext (tests) never cancel each other's jobs. */
    private static final AtomicInteger OWNERS = new AtomicInteger();

    private final SparkContext context;
    private final String prefix;
    /** The group of the statement running now, null between statements. */
    private final AtomicReference<String> running = new AtomicReference<>();
    /** The group last cancelled: Spark refuses the jobs it submits later (cancelJobGroupAndFutureJobs). */
    private volatile String cancelled;
    private int statements;

    /** @param owner what runs the statements, in the group names Spark shows ("shell", "serve") */
    JobGroups(SparkContext context, String owner) {
        this.context = context;
        this.prefix = "neuron-atlas-" + owner + "-" + OWNERS.incrementAndGet() + "-";
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
        context.cancelJobGroupAndFutureJobs(group, "cancelled by the user");
        return true;
    }
}
