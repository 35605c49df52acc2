package io.neuronatlas.atlas;

import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.compute.projection.BatchResult;
import io.neuronatlas.plan.Shard;
import java.io.Closeable;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.MessageType;

/**
 * Writes one shard's rows of the atlas tables from the executor that computed them, with parquet-hadoop. Writing
 * where the rows are made spares the job a second pass over its results. The neurons and token_profiles rows
 * stream out batch by batch; the neuron_tokens rows are kept (as primitive columns, 28 bytes a row) until the
 * shard is done, because the {@link TokenLayout} orders a file's rows by token_id. Each attempt writes hidden
 * temporary files and renames them into place on commit, so a retried or killed attempt never leaves a
 * half-written file under a visible name.
 */
public final class ShardWriter implements Closeable {
    static final String[] POLARITY = {"+", "-"};

    private final Configuration conf;
    private final FileSystem fs;
    private final TokenTable tokens;
    private final Path tokensDir;
    private final Path neuronsDir;
    private final Path profilesDir;
    private final Shard shard;
    private final long attempt;
    private final TokenLayout layout;
    private final TokenRows rows = new TokenRows();
    // Opened with the first batch, so a task that fails before computing anything writes nothing.
    private Target tokensTarget;
    private Target neuronsTarget;
    private Target profilesTarget;
    private boolean committed;

    private record Target(Path temporary, Path committed, ParquetWriter<RecordWriteSupport.Record> writer) {
    }

    public ShardWriter(Configuration conf, String atlas, String checkpoint, String run, Shard shard, TokenTable tokens,
                long attempt) throws IOException {
        this(conf, atlas, checkpoint, run, shard, tokens, attempt, TokenLayout.LOOKUP);
    }

    public ShardWriter(Configuration conf, String atlas, String checkpoint, String run, Shard shard, TokenTable tokens,
                long attempt, TokenLayout layout) throws IOException {
        this.conf = conf;
        this.tokens = tokens;
        this.shard = shard;
        this.attempt = attempt;
        this.layout = layout;
        Path root = new Path(atlas);
        this.fs = root.getFileSystem(conf);
        String partition = AtlasSchema.partitionPath(checkpoint, run, shard.matrix().label(), shard.layer());
        this.tokensDir = new Path(root, AtlasSchema.NEURON_TOKENS + "/" + partition);
        this.neuronsDir = new Path(root, AtlasSchema.NEURONS + "/" + partition);
        this.profilesDir = new Path(root, AtlasSchema.TOKEN_PROFILES + "/" + partition);
    }

    /** The file a shard's rows end up in; one per shard and table, so a retried shard replaces its own file. */
    static String fileName(Shard shard) {
        return String.format(Locale.ROOT, "part-%05d.zstd.parquet", shard.index());
    }

    /** Opens a table's file; the neuron_tokens file (lookup true) gets the layout's row groups and bloom filter. */
    private Target open(Path dir, MessageType schema, boolean lookup) throws IOException {
        Path temporary = new Path(dir, String.format(Locale.ROOT, ".part-%05d.attempt-%d.tmp", shard.index(),
                attempt));
        RecordWriteSupport.Builder builder = new RecordWriteSupport.Builder(
                HadoopOutputFile.fromPath(temporary, conf), schema).withConf(conf)
                .withCompressionCodec(CompressionCodecName.ZSTD).withWriteMode(ParquetFileWriter.Mode.OVERWRITE);
        layout.encodings(builder);
        ParquetWriter<RecordWriteSupport.Record> writer = (lookup ? layout.lookup(builder) : builder).build();
        return new Target(temporary, new Path(dir, fileName(shard)), writer);
    }

    /** Appends the rows of one batch whose first neuron is firstNeuron. */
    public void append(BatchResult b, int firstNeuron) throws IOException {
        if (neuronsTarget == null) {
            tokensTarget = open(tokensDir, AtlasSchema.NEURON_TOKENS_FILE, true);
            neuronsTarget = open(neuronsDir, AtlasSchema.NEURONS_FILE, false);
            profilesTarget = b.watched() == 0 ? null : open(profilesDir, AtlasSchema.TOKEN_PROFILES_FILE, false);
        }
        for (int n = 0; n < b.count(); n++) {
            int neuron = firstNeuron + n;
            int row = n;
            for (int p = 0; p < 2; p++) {
                for (int r = 0; r < b.topK(); r++) {
                    rows.add(neuron, p, r + 1, b.tokenId(n, p, r), b.score(n, p, r), b.prob(n, p, r),
                            b.normalizedProb(n, p, r));
                }
            }
            int top = b.tokenId(n, 0, 0);
            int bottom = b.tokenId(n, 1, 0);
            neuronsTarget.writer().write(f -> f.add(neuron).add(b.norm(row)).add(b.maxScore(row))
                    .add(b.minScore(row)).add(b.meanScore(row)).add(b.stdScore(row)).add(b.maxAbsScore(row))
                    .add(b.logsumexp(row)).add(b.entropy(row)).add(top).add(tokens.token(top))
                    .add(b.normalizedProb(row, 0, 0)).add(bottom).add(tokens.token(bottom))
                    .add(b.normalizedProb(row, 1, 0)));
            for (int w = 0; w < b.watched(); w++) {
                int watched = w;
                int id = b.watchedToken(watched);
                profilesTarget.writer().write(f -> f.add(neuron).add(id).add(tokens.token(id))
                        .add(b.watchedScore(row, watched)).add(b.watchedProb(row, watched))
                        .add(b.watchedNormalizedProb(row, watched)));
            }
        }
    }

    private void writeTokenRows() throws IOException {
        int[] order = layout.sortByToken() ? rows.byToken() : null;
        for (int i = 0; i < rows.size; i++) {
            int at = order == null ? i : order[i];
            int id = rows.tokenId[at];
            int neuron = rows.neuron[at];
            int polarity = rows.polarity[at];
            int rank = rows.rank[at];
            float score = rows.score[at];
            float prob = rows.prob[at];
            float normalized = rows.normalizedProb[at];
            tokensTarget.writer().write(f -> f.add(neuron).add(POLARITY[polarity]).add(rank).add(id)
                    .add(tokens.token(id)).add(score).add(prob).add(normalized));
        }
    }

    /** Writes the kept rows, closes the files and renames them to their visible names, replacing earlier ones. */
    public void commit() throws IOException {
        if (tokensTarget == null) {
            throw new IOException("shard " + shard + " produced no rows");
        }
        writeTokenRows();
        Target[] targets = targets();
        for (Target t : targets) {
            t.writer().close();
        }
        for (Target t : targets) {
            fs.delete(t.committed(), false);
            if (!fs.rename(t.temporary(), t.committed())) {
                throw new IOException("could not rename " + t.temporary() + " to " + t.committed());
            }
        }
        committed = true;
    }

    private Target[] targets() {
        return profilesTarget == null ? new Target[] {tokensTarget, neuronsTarget}
                : new Target[] {tokensTarget, neuronsTarget, profilesTarget};
    }

    /** Without a commit, drops this attempt's temporary files. */
    @Override
    public void close() throws IOException {
        if (committed || tokensTarget == null) {
            return;
        }
        for (Target t : targets()) {
            try {
                t.writer().close();
            } finally {
                fs.delete(t.temporary(), false);
            }
        }
    }

    /** A shard's neuron_tokens rows as growable primitive columns, in the order they were computed. */
    private static final class TokenRows {
        int size;
        int[] neuron = new int[1024];
        int[] polarity = new int[1024];
        int[] rank = new int[1024];
        int[] tokenId = new int[1024];
        float[] score = new float[1024];
        float[] prob = new float[1024];
        float[] normalizedProb = new float[1024];

        void add(int n, int p, int r, int id, float s, float pr, float np) {
            if (size == neuron.length) {
                int capacity = size * 2;
                neuron = Arrays.copyOf(neuron, capacity);
                polarity = Arrays.copyOf(polarity, capacity);
                rank = Arrays.copyOf(rank, capacity);
                tokenId = Arrays.copyOf(tokenId, capacity);
                score = Arrays.copyOf(score, capacity);
                prob = Arrays.copyOf(prob, capacity);
                normalizedProb = Arrays.copyOf(normalizedProb, capacity);
            }
            neuron[size] = n;
            polarity[size] = p;
            rank[size] = r;
            tokenId[size] = id;
            score[size] = s;
            prob[size] = pr;
            normalizedProb[size] = np;
            size++;
        }

        /** Row positions ordered by (token_id, then computed order = neuron, polarity, rank). */
        int[] byToken() {
            long[] keys = new long[size];
            for (int i = 0; i < size; i++) {
                keys[i] = ((long) tokenId[i] << 32) | i;
            }
            Arrays.sort(keys);
            int[] order = new int[size];
            for (int i = 0; i < size; i++) {
                order[i] = (int) keys[i];
            }
            return order;
        }
    }
}
