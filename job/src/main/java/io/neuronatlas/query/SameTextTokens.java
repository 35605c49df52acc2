package io.neuronatlas.query;

import io.neuronatlas.checkpoint.tokenizer.TokenKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per checkpoint, the ids whose text is exactly a token's, from the atlas's tokens table, in TargetResolver's order:
 * a piece before a byte-fallback piece ({@code <0x79>} renders "y" too) before an added token, then by id. The first
 * is the one the model emits. Atlases mapped before the kind column have no kinds: their ids are in id order.
 *
 * @param byCheckpoint checkpoint → its ids in that order, checkpoints by name
 */
public record SameTextTokens(String token, Map<String, List<Id>> byCheckpoint) {
    /** One id and its kind (null in atlases mapped before the kind column). */
    public record Id(int tokenId, String kind) {
        @Override
        public String toString() {
            return tokenId + (kind == null ? "" : " (" + kind + ")");
        }
    }

    public static SameTextTokens of(Atlas atlas, String token) {
        return of(atlas.variants(token));
    }

    /** The variants whose text is exactly the token asked for, grouped as {@link #of(Atlas, String)} does. */
    public static SameTextTokens of(TokenVariants variants) {
        Map<String, List<Id>> by = new TreeMap<>();
        variants.entries().stream().filter(e -> e.text().equals(variants.token()))
                .sorted(Comparator.comparing(TokenVariants.Entry::checkpoint)
                        .thenComparingInt(TokenVariants.Entry::tokenId))
                .forEach(e -> by.computeIfAbsent(e.checkpoint(), c -> new ArrayList<>()).add(new Id(e.tokenId(),
                        e.kind())));
        by.values().forEach(ids -> ids.sort(Comparator.comparingInt(id -> rank(id.kind()))));
        return new SameTextTokens(variants.token(), by);
    }

    /** A line per checkpoint where several ids render the token, naming them, the one the model emits first. */
    public List<String> notes() {
        List<String> notes = new ArrayList<>();
        byCheckpoint.forEach((checkpoint, ids) -> {
            if (ids.size() > 1) {
                notes.add(checkpoint + ": ids " + String.join(", ", ids.stream().map(Id::toString).toList())
                        + " all render \"" + token + "\"; the first is what the model emits");
            }
        });
        return notes;
    }

    /** The id the model emits for the token in a checkpoint, or null when no id of it renders the token. */
    public Id emitted(String checkpoint) {
        List<Id> ids = byCheckpoint.get(checkpoint);
        return ids == null || ids.isEmpty() ? null : ids.get(0);
    }

    // TokenKind's order; unknown kinds (older atlases) rank as pieces, so that id order decides among them.
    private static int rank(String kind) {
        for (TokenKind k : TokenKind.values()) {
            if (k.label().equals(kind)) {
                return k.ordinal();
            }
        }
        return 0;
    }
}
