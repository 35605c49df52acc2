package io.neuronatlas.report;

import java.nio.charset.StandardCharsets;

/**
 * Which search shard holds a word: FNV-1a (32 bit) of the UTF-8 bytes of its token_norm, modulo the number of
 * shards. The page computes the same hash in JavaScript (site/core.js, over TextEncoder's UTF-8) to load the one
 * shard a search needs.
 */
public final class SearchBuckets {
    private static final int OFFSET_BASIS = 0x811c9dc5;
    private static final int PRIME = 0x01000193;
    /** A word's entry without neurons (the word and its variants) is about a quarter of a neuron row's bytes. */
    static final long WORDS_PER_ROW = 4;

    private SearchBuckets() {
    }

    /** FNV-1a 32 of the UTF-8 bytes of text, as an unsigned value. */
    public static long fnv1a(String text) {
        int hash = OFFSET_BASIS;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= PRIME;
        }
        return Integer.toUnsignedLong(hash);
    }

    /** The shard of a token_norm among buckets shards. */
    public static int bucket(String norm, int buckets) {
        if (buckets < 1) {
            throw new IllegalArgumentException("search buckets must be positive, found " + buckets);
        }
        return (int) (fnv1a(norm) % buckets);
    }

    /**
     * How many shards: enough that they average at most rowsPerShard neuron rows and, since every word of the
     * vocabulary has an entry (its variants) even when no neuron lists it, at most WORDS_PER_ROW times as many
     * words; at least one.
     */
    public static int count(long words, long rows, int rowsPerShard) {
        if (rowsPerShard < 1) {
            throw new IllegalArgumentException("rows per search shard must be positive, found " + rowsPerShard);
        }
        long byRows = (rows + rowsPerShard - 1) / rowsPerShard;
        long byWords = (words + WORDS_PER_ROW * rowsPerShard - 1) / (WORDS_PER_ROW * rowsPerShard);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.max(byRows, byWords)));
    }

}
