package io.neuronatlas.report;

import java.util.List;

/**
 * What a report wrote.
 *
 * @param site         the site folder (qualified path)
 * @param searchShards shards of the token index
 * @param notShown     views of later tables the atlas has but no section of this viewer reads yet
 */
public record SiteSummary(String site, List<String> checkpoints, int searchShards, long files, long bytes,
                          double seconds, List<String> notShown) {
    public SiteSummary {
        checkpoints = List.copyOf(checkpoints);
        notShown = List.copyOf(notShown);
    }
}
