package io.neuronatlas.jobs;

import java.io.Serializable;

/**
 * What one task of an examples run did with its corpus partition: for the run record and the console.
 *
 * @param emptyDocuments documents skipped because they have no text (blank, null, or no tokens)
 * @param peakRssBytes   the executor JVM's peak resident memory after the task (VmHWM), -1 unknown
 */
record PartitionReport(int partition, String executorId, String host, String device, long documents,
                       long emptyDocuments, long tokens, long segments, double forwardSeconds, double updateSeconds,
                       double seconds, long peakRssBytes) implements Serializable {
}
