package io.neuronatlas.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.testing.TestSpark;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * A statement cancelled before its first job (Ctrl-C while Spark plans it) never runs one: its shuffle's map stage
 * too, which adaptive execution submits as a job of its own that Spark's cancelled-group check does not cover.
 */
class JobGroupsTest {
    @Test
    void aStatementCancelledBeforeItsFirstJobRunsNone() throws Exception {
        SparkSession spark = TestSpark.session();
        assertTrue(spark.sessionState().conf().adaptiveExecutionEnabled(), "the map stage is a job of its own");
        JobGroups groups = new JobGroups(spark.sparkContext(), "test");
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<String> cancelled = new AtomicReference<>();
        Thread statement = new Thread(() -> {
            String group = groups.begin("a shuffle that would run for hours");
            if (groups.cancel(group)) {
                cancelled.set(group);
            }
            try {
                spark.sql("SELECT id % 7 AS k, count(*) AS n FROM range(0, 1000000000000) GROUP BY k").collectAsList();
            } catch (Throwable e) {
                failure.set(e);
            } finally {
                groups.end();
            }
        });
        statement.start();
        statement.join(120_000);
        boolean running = statement.isAlive();
        if (running) {
            spark.sparkContext().cancelAllJobs();
            statement.join();
        }
        assertTrue(cancelled.get() != null && groups.wasCancelled(cancelled.get()), "the statement was cancelled");
        assertFalse(running, "the cancelled statement's map stage ran");
        assertTrue(failure.get() != null && String.valueOf(failure.get().getMessage()).contains("cancel"),
                "the statement failed as cancelled: " + failure.get());
        assertFalse(groups.cancel(), "nothing runs between statements");
    }
}
