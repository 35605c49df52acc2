package io.neuronatlas.query;

import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The vocabulary entries that are the same word as a token (case and space variants: " dog", "dog", " Dog"), per
 * checkpoint, read once from the atlas's tokens files ({@link VocabularyLookup}). find-token needs them twice (the ids to look up, and the
 * ids that render the token exactly for its notes): one read instead of a Spark job each.
 *
 * @param token   the text asked for
 * @param entries the variants in every checkpoint, in no particular order
 */
public record TokenVariants(String token, List<Entry> entries) {
    /** One vocabulary entry: kind is null in atlases mapped before the tokens table had it. */
    public record Entry(String checkpoint, int tokenId, String text, String kind) {
        public Entry {
            Objects.requireNonNull(checkpoint, "checkpoint");
            Objects.requireNonNull(text, "text");
        }
    }

    public TokenVariants {
        Objects.requireNonNull(token, "token");
        entries = List.copyOf(entries);
    }

    /** The distinct ids of every variant in any checkpoint, ascending. */
    public Integer[] ids() {
        TreeSet<Integer> ids = new TreeSet<>();
        entries.forEach(e -> ids.add(e.tokenId()));
        return ids.toArray(Integer[]::new);
    }
}
