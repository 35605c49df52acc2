package io.neuronatlas.atlas;

import static org.apache.parquet.filter2.predicate.FilterApi.and;
import static org.apache.parquet.filter2.predicate.FilterApi.gtEq;
import static org.apache.parquet.filter2.predicate.FilterApi.intColumn;
import static org.apache.parquet.filter2.predicate.FilterApi.lt;

import java.io.Closeable;
import java.io.IOException;
import io.neuronatlas.compute.Shard;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;

/**
 * One task of the token_neurons job, shipped as plain data: the blocks [firstBlock, endBlock) of a run, written from
 * every neuron_tokens file of the run. Those files are each ordered by token_id ({@link TokenLayout#LOOKUP}), so a
 * reader per file filtered to the task's ids reads only their pages, in token order, and a block's rows are the next
 * rows of every reader below the block's end.
 *
 * @param shards the run's neuron_tokens files, in a fixed order
 */
public record TokenNeuronsBlocks(String atlas, String checkpoint, String run, int firstBlock, int endBlock,
                                 List<ShardFile> shards) implements Serializable {
    /** A neuron_tokens file and the matrix and layer its folders name. */
    public record ShardFile(String path, String matrix, int layer) implements Serializable {
        public ShardFile {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(matrix, "matrix");
        }
    }

    /** Within a block: by token, then as neuron_tokens' partitions and files order a token's rows. */
    private static final Comparator<Row> ORDER = Comparator.comparingInt(Row::tokenId).thenComparing(Row::matrix)
            .thenComparingInt(Row::layer).thenComparing(Row::expert, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparingInt(Row::neuron).thenComparing(Row::polarity).thenComparingInt(Row::rank);

    public TokenNeuronsBlocks {
        if (firstBlock < 0 || endBlock <= firstBlock) {
            throw new IllegalArgumentException("blocks [" + firstBlock + ", " + endBlock + ") are not a range");
        }
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("no neuron_tokens files to index");
        }
        shards = List.copyOf(shards);
    }

    /** The task for blocks [firstBlock, endBlock) of the run whose shards are these. */
    public static TokenNeuronsBlocks of(String atlas, String checkpoint, String run, int firstBlock, int endBlock,
                                        List<Shard> shards) {
        List<ShardFile> files = new ArrayList<>();
        for (Shard shard : shards) {
            String partition = AtlasPaths.partitionPath(checkpoint, run, shard.matrix().label(), shard.layer());
            files.add(new ShardFile(new Path(new Path(atlas), MapTables.NEURON_TOKENS + "/" + partition + "/"
                    + ShardWriter.fileName(shard)).toString(), shard.matrix().label(), shard.layer()));
        }
        return new TokenNeuronsBlocks(atlas, checkpoint, run, firstBlock, endBlock, files);
    }

    /** Writes and commits the blocks' files; returns them, relative to the atlas (a block no row falls in has none). */
    public List<String> write(Configuration conf, long attempt) throws IOException {
        int low = firstBlock * MapTables.TOKENS_PER_BLOCK;
        int high = (int) Math.min(Integer.MAX_VALUE, (long) endBlock * MapTables.TOKENS_PER_BLOCK);
        FilterCompat.Filter range = FilterCompat.get(and(gtEq(intColumn("token_id"), low),
                lt(intColumn("token_id"), high)));
        List<Cursor> cursors = new ArrayList<>();
        try (TokenNeuronsWriter writer = new TokenNeuronsWriter(conf, atlas, checkpoint, run, attempt)) {
            for (ShardFile shard : shards) {
                cursors.add(new Cursor(shard, ParquetReader.builder(new GroupReadSupport(), new Path(shard.path()))
                        .withConf(conf).withFilter(range).build()));
            }
            List<Row> rows = new ArrayList<>();
            for (int block = firstBlock; block < endBlock; block++) {
                int end = (int) Math.min(Integer.MAX_VALUE, (long) (block + 1) * MapTables.TOKENS_PER_BLOCK);
                rows.clear();
                for (Cursor cursor : cursors) {
                    cursor.takeBelow(end, rows);
                }
                rows.sort(ORDER);
                for (Row r : rows) {
                    writer.write(r.matrix(), r.layer(), r.expert(), r.neuron(), r.polarity(), r.rank(), r.tokenId(),
                            r.token(), r.score(), r.prob(), r.normalizedProb());
                }
            }
            return writer.commit();
        } finally {
            for (Cursor cursor : cursors) {
                cursor.close();
            }
        }
    }

    private record Row(String matrix, int layer, String expert, int neuron, String polarity, int rank, int tokenId,
                       String token, float score, float prob, float normalizedProb) {
    }

    /** A filtered reader of one neuron_tokens file, positioned at its next row. */
    private static final class Cursor implements Closeable {
        private final ShardFile shard;
        private final ParquetReader<Group> reader;
        private Group next;
        private int lastTokenId = -1;

        Cursor(ShardFile shard, ParquetReader<Group> reader) throws IOException {
            this.shard = shard;
            this.reader = reader;
            this.next = reader.read();
        }

        /** Moves the rows with token ids below end into rows. */
        void takeBelow(int end, List<Row> rows) throws IOException {
            while (next != null) {
                int tokenId = next.getInteger("token_id", 0);
                if (tokenId < lastTokenId) {
                    throw new IOException(shard.path() + ": rows are not ordered by token_id (" + tokenId + " after "
                            + lastTokenId + "); token_neurons needs neuron_tokens files in the lookup layout");
                }
                lastTokenId = tokenId;
                if (tokenId >= end) {
                    return;
                }
                String expert = next.getType().containsField(MapTables.EXPERT)
                        && next.getFieldRepetitionCount(MapTables.EXPERT) > 0 ? next.getString(MapTables.EXPERT, 0)
                        : null;
                rows.add(new Row(shard.matrix(), shard.layer(), expert, next.getInteger("neuron", 0),
                        next.getString("polarity", 0), next.getInteger("rank", 0), tokenId,
                        next.getString("token", 0), next.getFloat("score", 0), next.getFloat("prob", 0),
                        next.getFloat("normalized_prob", 0)));
                next = reader.read();
            }
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }
}
