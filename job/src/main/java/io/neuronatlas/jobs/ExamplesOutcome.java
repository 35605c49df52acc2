package io.neuronatlas.jobs;

import io.neuronatlas.atlas.ExamplesEntry;

/**
 * What an examples command did.
 *
 * @param ran    false when the published examples were up to date and nothing ran
 * @param reason why it ran ("new checkpoint", "parameters changed (corpus ...)", ...), or "up to date"
 * @param record the new run's record as JSON; null when nothing ran
 */
public record ExamplesOutcome(boolean ran, ExamplesEntry entry, String reason, String record, double seconds) {
}
