package io.neuronatlas.atlas;

import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.compute.CensusRule;
import io.neuronatlas.compute.Shard;
import io.neuronatlas.compute.projection.BatchResult;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.schema.MessageType;

/**
 * Writes one shard's rows of the map's tables from the executor that computed them, with parquet-hadoop. Writing
 * where the rows are made spares the job a second pass over its results. The neurons and token_profiles rows stream
 * out batch by batch; the neuron_tokens rows are kept (as primitive columns, 28 bytes a row) until the shard is
 * done, because the {@link TokenLayout} orders a file's rows by token_id. Each table's file is a {@link TableFile}:
 * written under an attempt's hidden name, visible only once the shard commits.
 */
public final class ShardWriter implements Closeable {
    static final String[] POLARITY = {"+", "-"};

    private final Configuration conf;
    private final TokenTable tokens;
    private final Path tokensDir;
    private final Path neuronsDir;
    private final Path profilesDir;
    private final Shard shard;
    private final long attempt;
    private final TokenLayout layout;
    private final CensusRule census;
    private final TokenRows rows = new TokenRows();
    // Opened with the first batch, so a task that fails before computing anything writes nothing.
    private TableFile tokensFile;
    private TableFile neuronsFile;
    private TableFile profilesFile;

    /**
     * @param attempt the task attempt writing the shard
     * @param layout  how neuron_tokens files are laid out: {@link TokenLayout#LOOKUP}, or the plain layout the query
     *                benchmark measures against
     * @param census  the rule that classifies down_proj neurons
     */
    public ShardWriter(Configuration conf, String atlas, String checkpoint, String run, Shard shard,
                       TokenTable tokens, long attempt, TokenLayout layout, CensusRule census) {
        this.census = census;
        this.conf = conf;
        this.tokens = tokens;
        this.shard = shard;
        this.attempt = attempt;
        this.layout = layout;
        Path root = new Path(atlas);
        String partition = AtlasPaths.partitionPath(checkpoint, run, shard.matrix().label(), shard.layer());
        this.tokensDir = new Path(root, MapTables.NEURON_TOKENS + "/" + partition);
        this.neuronsDir = new Path(root, MapTables.NEURONS + "/" + partition);
        this.profilesDir = new Path(root, MapTables.TOKEN_PROFILES + "/" + partition);
    }

    /** The file a shard's rows end up in; one per shard and table, so a retried shard replaces its own file. */
    static String fileName(Shard shard) {
        return String.format(Locale.ROOT, "part-%05d.zstd.parquet", shard.index());
    }

    /** The files, relative to the atlas, that a committed shard of this run has (token_profiles when watched). */
    public static List<String> committedFiles(String checkpoint, String run, Shard shard, boolean watched) {
        List<String> tables = new ArrayList<>(List.of(MapTables.NEURON_TOKENS, MapTables.NEURONS));
        if (watched) {
            tables.add(MapTables.TOKEN_PROFILES);
        }
        String partition = AtlasPaths.partitionPath(checkpoint, run, shard.matrix().label(), shard.layer());
        return tables.stream().map(t -> t + "/" + partition + "/" + fileName(shard)).toList();
    }

    private TableFile open(Path dir, MessageType schema, UnaryOperator<RecordWriteSupport.Builder> tuning)
            throws IOException {
        return TableFile.open(conf, dir, fileName(shard), attempt, schema, layout, tuning);
    }

    /** Appends the rows of one batch of a dense MLP whose first neuron is firstNeuron. */
    public void append(BatchResult b, int firstNeuron) throws IOException {
        append(b, null, firstNeuron);
    }

    /** Appends the rows of one batch of an expert (null: a dense MLP) whose first neuron is firstNeuron. */
    public void append(BatchResult b, String expert, int firstNeuron) throws IOException {
        if (neuronsFile == null) {
            tokensFile = open(tokensDir, MapTables.NEURON_TOKENS_FILE, layout::lookup);
            neuronsFile = open(neuronsDir, MapTables.NEURONS_FILE, UnaryOperator.identity());
            profilesFile = b.watched() == 0 ? null
                    : open(profilesDir, MapTables.TOKEN_PROFILES_FILE, UnaryOperator.identity());
        }
        for (int n = 0; n < b.count(); n++) {
            int neuron = firstNeuron + n;
            int row = n;
            int expertCode = rows.code(expert);
            for (int p = 0; p < 2; p++) {
                for (int r = 0; r < b.topK(); r++) {
                    rows.add(expertCode, neuron, p, r + 1, b.tokenId(n, p, r), b.score(n, p, r), b.prob(n, p, r),
                            b.normalizedProb(n, p, r));
                }
            }
            int top = b.tokenId(n, 0, 0);
            int bottom = b.tokenId(n, 1, 0);
            neuronsFile.write(f -> f.addNullable(expert).add(neuron).add(b.norm(row)).add(b.maxScore(row))
                    .add(b.minScore(row)).add(b.meanScore(row)).add(b.stdScore(row)).add(b.maxAbsScore(row))
                    .add(b.logsumexp(row)).add(b.entropy(row)).add(top).add(tokens.token(top))
                    .add(b.normalizedProb(row, 0, 0)).add(bottom).add(tokens.token(bottom))
                    .add(b.normalizedProb(row, 1, 0)).add(b.vocabCosSkew(row)).add(b.vocabCosKurtosis(row))
                    .add(b.scoreSkew(row)).add(b.scoreKurtosis(row))
                    .addNullable(census.classify(shard.matrix(), b.vocabCosSkew(row), b.vocabCosKurtosis(row))));
            for (int w = 0; w < b.watched(); w++) {
                int watched = w;
                int id = b.watchedToken(watched);
                profilesFile.write(f -> f.addNullable(expert).add(neuron).add(id).add(tokens.token(id))
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
            String expert = rows.experts.get(rows.expert[at]);
            int neuron = rows.neuron[at];
            int polarity = rows.polarity[at];
            int rank = rows.rank[at];
            float score = rows.score[at];
            float prob = rows.prob[at];
            float normalized = rows.normalizedProb[at];
            tokensFile.write(f -> f.addNullable(expert).add(neuron).add(POLARITY[polarity]).add(rank).add(id)
                    .add(tokens.token(id)).add(score).add(prob).add(normalized));
        }
    }

    /** Writes the kept rows and commits every table's file, replacing what an earlier attempt committed. */
    public void commit() throws IOException {
        if (tokensFile == null) {
            throw new IOException("shard " + shard + " produced no rows");
        }
        writeTokenRows();
        for (TableFile file : files()) {
            file.commit();
        }
    }

    private List<TableFile> files() {
        return profilesFile == null ? List.of(tokensFile, neuronsFile)
                : List.of(tokensFile, neuronsFile, profilesFile);
    }

    /** Without a commit, drops this attempt's temporary files. */
    @Override
    public void close() throws IOException {
        if (tokensFile == null) {
            return;
        }
        IOException first = null;
        for (TableFile file : files()) {
            try {
                file.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * A shard's neuron_tokens rows as growable primitive columns, in the order they were computed; a row's expert is
     * an index into the shard's few distinct experts.
     */
    private static final class TokenRows {
        final List<String> experts = new ArrayList<>();
        int size;
        int[] expert = new int[1024];
        int[] neuron = new int[1024];
        int[] polarity = new int[1024];
        int[] rank = new int[1024];
        int[] tokenId = new int[1024];
        float[] score = new float[1024];
        float[] prob = new float[1024];
        float[] normalizedProb = new float[1024];

        /** The code of an expert (null: dense) in {@link #experts}. */
        int code(String label) {
            int code = experts.indexOf(label);
            if (code < 0) {
                experts.add(label);
                code = experts.size() - 1;
            }
            return code;
        }

        void add(int e, int n, int p, int r, int id, float s, float pr, float np) {
            if (size == neuron.length) {
                int capacity = size * 2;
                expert = Arrays.copyOf(expert, capacity);
                neuron = Arrays.copyOf(neuron, capacity);
                polarity = Arrays.copyOf(polarity, capacity);
                rank = Arrays.copyOf(rank, capacity);
                tokenId = Arrays.copyOf(tokenId, capacity);
                score = Arrays.copyOf(score, capacity);
                prob = Arrays.copyOf(prob, capacity);
                normalizedProb = Arrays.copyOf(normalizedProb, capacity);
            }
            expert[size] = e;
            neuron[size] = n;
            polarity[size] = p;
            rank[size] = r;
            tokenId[size] = id;
            score[size] = s;
            prob[size] = pr;
            normalizedProb[size] = np;
            size++;
        }

        /** Row positions ordered by (token_id, then computed order = expert, neuron, polarity, rank). */
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
