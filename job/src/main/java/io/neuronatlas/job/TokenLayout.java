package io.neuronatlas.job;

import java.io.Serializable;

/**
 * How a neuron_tokens file is laid out for lookups by token. The map writes {@link #LOOKUP}; the query benchmark
 * also writes {@link #PLAIN}, the layout before this one, to measure against.
 *
 * @param sortByToken      rows ordered by token_id within each file, so row-group and page min/max statistics
 *                         confine a token's rows to a few pages
 * @param bloomFilter      a bloom filter on token_id per row group, for tokens inside a group's range but absent
 * @param rowGroupRows     rows per row group at most
 */
public record TokenLayout(boolean sortByToken, boolean bloomFilter, int rowGroupRows) implements Serializable {
    /**
     * 64Ki rows a group (about 1 MB of zstd Parquet): small enough that a token's rows fall into one or two groups
     * of a file, large enough that the per-group footer and bloom filter stay a small share of the file.
     */
    public static final TokenLayout LOOKUP = new TokenLayout(true, true, 1 << 16);
    /** Rows in (neuron, polarity, rank) order, parquet-hadoop's default row groups (128 MB), no bloom filter. */
    public static final TokenLayout PLAIN = new TokenLayout(false, false, Integer.MAX_VALUE);

    public TokenLayout {
        if (rowGroupRows < 1) {
            throw new IllegalArgumentException("rowGroupRows must be positive, found " + rowGroupRows);
        }
    }

    RecordWriteSupport.Builder apply(RecordWriteSupport.Builder builder) {
        builder.withRowGroupRowCountLimit(rowGroupRows);
        if (bloomFilter) {
            // NDV sized for one row group: at most rowGroupRows distinct ids, usually far fewer.
            builder.withBloomFilterEnabled("token_id", true).withBloomFilterNDV("token_id", rowGroupRows)
                    .withBloomFilterFPP("token_id", 0.01);
        }
        return builder;
    }
}
