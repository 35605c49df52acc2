package io.neuronatlas.atlas;

import java.io.Serializable;

/**
 * How a neuron_tokens file is laid out for lookups by token. The map writes {@link #LOOKUP}; the query benchmark
 * also writes {@link #PLAIN}, the layout before this one, to measure against.
 *
 * @param sortByToken      rows ordered by token_id within each file, so row-group and page min/max statistics
 *                         confine a token's rows to a few pages
 * @param bloomFilter      a bloom filter on token_id per row group, for tokens inside a group's range but absent;
 *                         token_id is then stored without dictionary encoding, because parquet-java drops the
 *                         bloom filter of a chunk whose pages are all dictionary encoded (PARQUET-2251)
 * @param rowGroupRows     rows per row group at most
 * @param pageRows         rows per page at most: with rows in token order, the page index (per-page min/max that
 *                         Spark's reader uses) then narrows a lookup to a page or two of each column
 */
public record TokenLayout(boolean sortByToken, boolean bloomFilter, int rowGroupRows, int pageRows)
        implements Serializable {
    /**
     * 64Ki rows a group (about 1 MB of zstd Parquet): small enough that a token's rows fall into one or two groups
     * of a file, large enough that the per-group footer and bloom filter stay a small share of the file.
     */
    public static final TokenLayout LOOKUP = new TokenLayout(true, true, 1 << 16, 1 << 10);
    /**
     * Rows in (neuron, polarity, rank) order, parquet-hadoop's default row groups (128 MB) and pages (20,000 rows),
     * no bloom filter.
     */
    public static final TokenLayout PLAIN = new TokenLayout(false, false, Integer.MAX_VALUE, 20_000);

    public TokenLayout {
        if (rowGroupRows < 1 || pageRows < 1) {
            throw new IllegalArgumentException("row group and page rows must be positive, found " + rowGroupRows
                    + ", " + pageRows);
        }
    }

    /**
     * Sets the encodings, the same for every file a run writes, whatever its table: with the lookup layout token_id
     * without dictionary, which its bloom filter needs (parquet-java writes no bloom filter for a dictionary-encoded
     * chunk, PARQUET-2251). parquet-java keeps one process-wide values-writer factory that each writer's build()
     * re-initializes with its own properties, and writers create their column writers from it again at every row
     * group: two writers in one JVM with different dictionary settings (say a neurons file and a neuron_tokens file,
     * or two tasks) would take each other's. So a run's writers all agree.
     */
    RecordWriteSupport.Builder encodings(RecordWriteSupport.Builder builder) {
        return bloomFilter ? builder.withDictionaryEncoding("token_id", false) : builder;
    }

    /** Row groups, pages and the bloom filter of a neuron_tokens file. */
    RecordWriteSupport.Builder lookup(RecordWriteSupport.Builder builder) {
        builder.withRowGroupRowCountLimit(rowGroupRows).withPageRowCountLimit(pageRows);
        if (bloomFilter) {
            // NDV sized for one row group: at most rowGroupRows distinct ids, usually far fewer.
            builder.withBloomFilterEnabled("token_id", true).withBloomFilterNDV("token_id", rowGroupRows)
                    .withBloomFilterFPP("token_id", 0.01);
        }
        return builder;
    }
}
