package io.neuronatlas.jobs;

import io.neuronatlas.atlas.CheckpointEntry;
import io.neuronatlas.atlas.RunRecord;

/**
 * What a map command did for one checkpoint.
 *
 * @param entry   the checkpoint's entry in the checkpoints table after the command: the new one, or the one that
 *                was already up to date
 * @param record  the new run's record; null when the checkpoint was up to date and nothing ran
 * @param reason  why it was mapped ("new checkpoint", "weights changed ...", "parameters changed ...", "--force"),
 *                or why not ("up to date")
 * @param seconds wall time of the whole command for this checkpoint
 */
public record MapOutcome(Status status, CheckpointEntry entry, RunRecord record, String reason, double seconds) {
    public enum Status { MAPPED, UP_TO_DATE }

    public MapOutcome {
        if ((status == Status.MAPPED) != (record != null)) {
            throw new IllegalArgumentException("a mapped outcome has a run record, an up-to-date one has none");
        }
    }

    public String checkpoint() {
        return entry.checkpoint();
    }
}
