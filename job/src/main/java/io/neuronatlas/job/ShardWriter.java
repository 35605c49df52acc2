package io.neuronatlas.job;

import io.neuronatlas.projection.BatchResult;
import io.neuronatlas.tokenizer.TokenTable;
import java.io.Closeable;
import java.io.IOException;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;

/**
 * Writes one shard's rows of both tables from the executor that computed them, batch by batch, with parquet-hadoop.
 * Writing where the rows are made spares the job a second pass over its results, and keeps a task's memory at
 * one batch. Each attempt writes hidden temporary files and renames them into place on commit, so a retried or
 * killed attempt never leaves a half-written file under a visible name.
 */
final class ShardWriter implements Closeable {
    static final String[] POLARITY = {"+", "-"};

    private final Configuration conf;
    private final FileSystem fs;
    private final TokenTable tokens;
    private final Path tokensDir;
    private final Path neuronsDir;
    private final Shard shard;
    private final long attempt;
    // Opened with the first batch, so a task that fails before computing anything writes nothing.
    private Target tokensTarget;
    private Target neuronsTarget;
    private boolean committed;

    private record Target(Path temporary, Path committed, ParquetWriter<RecordWriteSupport.Record> writer) {
    }

    ShardWriter(Configuration conf, String atlas, String checkpoint, String run, Shard shard, TokenTable tokens,
                long attempt) throws IOException {
        this.conf = conf;
        this.tokens = tokens;
        this.shard = shard;
        this.attempt = attempt;
        Path root = new Path(atlas);
        this.fs = root.getFileSystem(conf);
        String partition = AtlasSchema.partitionPath(checkpoint, run, shard.matrix().label(), shard.layer());
        this.tokensDir = new Path(root, AtlasSchema.NEURON_TOKENS + "/" + partition);
        this.neuronsDir = new Path(root, AtlasSchema.NEURONS + "/" + partition);
    }

    /** The file a shard's rows end up in; one per shard and table, so a retried shard replaces its own file. */
    static String fileName(Shard shard) {
        return String.format(Locale.ROOT, "part-%05d.zstd.parquet", shard.index());
    }

    private static Target open(Configuration conf, Path dir, Shard shard, long attempt,
                               org.apache.parquet.schema.MessageType schema) throws IOException {
        Path temporary = new Path(dir, String.format(Locale.ROOT, ".part-%05d.attempt-%d.tmp", shard.index(),
                attempt));
        ParquetWriter<RecordWriteSupport.Record> writer = new RecordWriteSupport.Builder(
                HadoopOutputFile.fromPath(temporary, conf), schema).withConf(conf)
                .withCompressionCodec(CompressionCodecName.ZSTD).withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .build();
        return new Target(temporary, new Path(dir, fileName(shard)), writer);
    }

    /** Appends the rows of one batch whose first neuron is firstNeuron. */
    void append(BatchResult b, int firstNeuron) throws IOException {
        if (tokensTarget == null) {
            tokensTarget = open(conf, tokensDir, shard, attempt, AtlasSchema.NEURON_TOKENS_FILE);
            neuronsTarget = open(conf, neuronsDir, shard, attempt, AtlasSchema.NEURONS_FILE);
        }
        for (int n = 0; n < b.count(); n++) {
            int neuron = firstNeuron + n;
            int row = n;
            for (int p = 0; p < 2; p++) {
                int polarity = p;
                for (int r = 0; r < b.topK(); r++) {
                    int rank = r;
                    int id = b.tokenId(n, p, r);
                    tokensTarget.writer().write(f -> f.add(neuron).add(POLARITY[polarity]).add(rank + 1).add(id)
                            .add(tokens.token(id)).add(b.score(row, polarity, rank)).add(b.prob(row, polarity, rank))
                            .add(b.normalizedProb(row, polarity, rank)));
                }
            }
            int top = b.tokenId(n, 0, 0);
            int bottom = b.tokenId(n, 1, 0);
            neuronsTarget.writer().write(f -> f.add(neuron).add(b.norm(row)).add(b.maxScore(row))
                    .add(b.minScore(row)).add(b.meanScore(row)).add(b.stdScore(row)).add(b.maxAbsScore(row))
                    .add(b.logsumexp(row)).add(b.entropy(row)).add(top).add(tokens.token(top))
                    .add(b.normalizedProb(row, 0, 0)).add(bottom).add(tokens.token(bottom))
                    .add(b.normalizedProb(row, 1, 0)));
        }
    }

    /** Closes the files and renames them to their visible names, replacing an earlier attempt's. */
    void commit() throws IOException {
        if (tokensTarget == null) {
            throw new IOException("shard " + shard + " produced no rows");
        }
        for (Target t : new Target[] {tokensTarget, neuronsTarget}) {
            t.writer().close();
        }
        for (Target t : new Target[] {tokensTarget, neuronsTarget}) {
            fs.delete(t.committed(), false);
            if (!fs.rename(t.temporary(), t.committed())) {
                throw new IOException("could not rename " + t.temporary() + " to " + t.committed());
            }
        }
        committed = true;
    }

    /** Without a commit, drops this attempt's temporary files. */
    @Override
    public void close() throws IOException {
        if (committed || tokensTarget == null) {
            return;
        }
        for (Target t : new Target[] {tokensTarget, neuronsTarget}) {
            try {
                t.writer().close();
            } finally {
                fs.delete(t.temporary(), false);
            }
        }
    }
}
