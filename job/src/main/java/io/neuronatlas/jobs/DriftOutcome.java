package io.neuronatlas.jobs;

import io.neuronatlas.atlas.DriftEntry;

/**
 * What a drift command did.
 *
 * @param entry  the published drift of the checkpoint against the base after the command: the new one, or the one
 *               that was already up to date
 * @param reason why it ran ("new checkpoint", "weights changed ...", "--force"), or "up to date"
 * @param ran    whether it computed anything
 */
public record DriftOutcome(DriftEntry entry, String reason, boolean ran) {
}
