package io.neuronatlas.query;

import static org.apache.parquet.filter2.predicate.FilterApi.in;
import static org.apache.parquet.filter2.predicate.FilterApi.intColumn;

import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.atlas.Catalog;
import io.neuronatlas.atlas.ExamplesTables;
import io.neuronatlas.atlas.MapTables;
import io.neuronatlas.atlas.OutputKind;
import io.neuronatlas.atlas.PublishedRun;
import io.neuronatlas.udfs.AtlasFunctions;
import io.neuronatlas.udfs.TokenText;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.spark.sql.catalyst.util.SQLOrderingUtil;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * find-token's whole answer read from the token_neurons files with parquet-hadoop, without starting Spark: the rows
 * of find-token.sql (find-token-id.sql for one id), in its order and with its columns, for a local one-off command.
 * A token's rows sit in one block file a run, ordered by token id, so the answer is a filtered read of a few row
 * groups and a sort of a few hundred rows; Spark's first query in a fresh JVM (parsing, analysis, planning, a job,
 * compiling the ordering) took 1.2–1.5 s of a one-off's 2.3–2.7 s (issue 23).
 *
 * <p>Only where that is the whole answer: every published map run has its token_neurons folder and no examples are
 * published (find-token joins each neuron's top example snippet, which needs Spark). {@link #open} is empty
 * otherwise, and the command runs its Spark query. FindTokenWithoutSparkTest holds the two answers equal, printed
 * in every format.
 */
public final class TokenLookup {
    /** find-token.sql's columns, in its order. */
    public static final String[] COLUMNS = {"checkpoint", "matrix", "layer", "neuron", "polarity", "rank", "token_id",
        "token", "score", "prob", "normalized_prob", "neuron_id", "expert"};

    /**
     * find-token.sql's ORDER BY, compared by Spark's own code: floats with NaN largest and -0.0 = 0.0
     * (SQLOrderingUtil), strings by their UTF-8 bytes (UTF8String; Java's compareTo orders UTF-16 units).
     */
    private static final Comparator<Object[]> ORDER = Comparator.<Object[], Float>comparing(r -> (Float) r[10],
                    SQLOrderingUtil::compareFloats).reversed()
            .thenComparing(r -> (String) r[0], TokenLookup::compareStrings)
            .thenComparing(r -> (String) r[1], TokenLookup::compareStrings)
            .thenComparing(r -> (Integer) r[2])
            .thenComparing(r -> (String) r[12], Comparator.nullsFirst(TokenLookup::compareStrings))
            .thenComparing(r -> (Integer) r[3])
            .thenComparing(r -> (String) r[4], TokenLookup::compareStrings)
            .thenComparing(r -> (Integer) r[6]);

    private final Configuration conf;
    private final String atlas;
    /** The runs the map catalog publishes, one a checkpoint, each with its token_neurons folder. */
    private final List<PublishedRun> runs;

    private TokenLookup(Configuration conf, String atlas, List<PublishedRun> runs) {
        this.conf = conf;
        this.atlas = atlas;
        this.runs = List.copyOf(runs);
    }

    /**
     * The lookup over the atlas's published map runs; empty when there is none (the Spark path names what is
     * wrong), when a run was mapped before token_neurons existed, or when the atlas has examples to join.
     */
    public static Optional<TokenLookup> open(Configuration conf, String atlas) throws IOException {
        Path root = new Path(atlas);
        FileSystem fs = root.getFileSystem(conf);
        if (!fs.isDirectory(root)) {
            return Optional.empty();
        }
        List<PublishedRun> runs = new Catalog(conf, atlas, OutputKind.MAP).publishedRuns();
        if (runs.isEmpty() || Atlas.runFolders(fs, new Path(root, MapTables.TOKEN_NEURONS), runs).size() < runs.size()
                || Atlas.hasRunFolder(fs, new Path(root, ExamplesTables.NEURON_EXAMPLES),
                        new Catalog(conf, atlas, OutputKind.EXAMPLES).publishedRuns())) {
            return Optional.empty();
        }
        return Optional.of(new TokenLookup(conf, atlas, runs));
    }

    /** The vocabulary entries that are the same word as token, as {@link Atlas#variants} reads them. */
    public TokenVariants variants(String token) throws IOException {
        return new TokenVariants(token, VocabularyLookup.sameWord(conf, atlas, runs, token));
    }

    /** find-token.sql's rows: the neurons that rank a variant of the token, at most limit. */
    public List<Object[]> find(TokenVariants variants, int limit) throws IOException {
        String norm = TokenText.norm(variants.token());
        return rows(variants.ids(), token -> TokenText.norm(token).equals(norm), limit);
    }

    /** find-token-id.sql's rows: the neurons that rank this token id, at most limit. */
    public List<Object[]> findId(int tokenId, int limit) throws IOException {
        return rows(new Integer[] {tokenId}, token -> true, limit);
    }

    private List<Object[]> rows(Integer[] ids, Predicate<String> sameWord, int limit) throws IOException {
        List<Object[]> rows = new ArrayList<>();
        if (ids.length > 0) {
            // A HashSet: Parquet's statistics filter asks the set whether it contains null, which Set.of refuses.
            FilterCompat.Filter idFilter = FilterCompat.get(in(intColumn("token_id"), new HashSet<>(Arrays.asList(ids))));
            for (BlockFile file : blockFiles(new Path(atlas).getFileSystem(conf), new Path(atlas), runs, ids)
                    .orElseThrow()) {
                read(file, idFilter, sameWord, rows);
            }
        }
        rows.sort(ORDER);
        return rows.size() > limit ? new ArrayList<>(rows.subList(0, limit)) : rows;
    }

    private void read(BlockFile file, FilterCompat.Filter filter, Predicate<String> sameWord, List<Object[]> into)
            throws IOException {
        ParquetRows.forEach(conf, file.path(), filter, "token_neurons rows", row -> {
            String token = row.getString("token", 0);
            if (sameWord.test(token)) {
                String matrix = row.getString("matrix", 0);
                int layer = row.getInteger("layer", 0);
                int neuron = row.getInteger("neuron", 0);
                // expert: null for a dense MLP's rows.
                String expert = ParquetRows.optionalString(row, MapTables.EXPERT);
                into.add(new Object[] {file.checkpoint(), matrix, layer, neuron, row.getString("polarity", 0),
                    row.getInteger("rank", 0), row.getInteger("token_id", 0), token, row.getFloat("score", 0),
                    row.getFloat("prob", 0), row.getFloat("normalized_prob", 0),
                    neuronId(matrix, layer, expert, neuron), expert});
            }
        });
    }

    /** The neuron_id function's value, by its own code: null where it has none. */
    private static String neuronId(String matrix, int layer, String expert, int neuron) {
        UTF8String id = AtlasFunctions.neuronId(UTF8String.fromString(matrix), layer, neuron,
                expert == null ? null : UTF8String.fromString(expert));
        return id == null ? null : id.toString();
    }

    /** A token_neurons block file of a published run. */
    record BlockFile(String checkpoint, Path path) {
    }

    /**
     * The token_neurons files that hold these ids' rows, in every published run; empty when no run's block of them
     * has a file (no neuron ranks these tokens); absent when a published run has no token_neurons folder.
     */
    static Optional<List<BlockFile>> blockFiles(FileSystem fs, Path atlas, List<PublishedRun> runs, Integer[] ids)
            throws IOException {
        Path table = new Path(atlas, MapTables.TOKEN_NEURONS);
        Set<Integer> blocks = new TreeSet<>();
        for (Integer id : ids) {
            blocks.add(MapTables.tokenBlock(id));
        }
        List<BlockFile> files = new ArrayList<>();
        for (PublishedRun run : runs) {
            Path runDir = new Path(table, AtlasPaths.runPath(run.checkpoint(), run.run()));
            if (!fs.exists(runDir)) {
                return Optional.empty();
            }
            for (int block : blocks) {
                Path file = new Path(runDir, MapTables.tokenNeuronsFile(block));
                if (fs.exists(file)) {
                    files.add(new BlockFile(run.checkpoint(), file));
                }
            }
        }
        return Optional.of(files);
    }

    private static int compareStrings(String a, String b) {
        return UTF8String.fromString(a).binaryCompare(UTF8String.fromString(b));
    }
}
