package io.neuronatlas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.atlas.MapTables;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.checkpoint.synthetic.SyntheticFamily;
import io.neuronatlas.query.TokenLookup;
import io.neuronatlas.testing.Cli;
import io.neuronatlas.testing.Maps;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.io.FileUtils;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local one-off find-token answers from the token_neurons files without starting Spark (TokenLookup), and prints
 * exactly what its Spark query prints: the same command line with --master, which always runs the query, is the
 * reference. The atlas has three checkpoints: one dense model mapped twice, under names that sort by case, so that
 * each row ties with its twin and the order's tie-breaks decide; and a mixture of experts with a shared expert and a
 * dense layer, so that expert ids and nulls are printed. Its vocabulary makes three token blocks; the tokens asked
 * have many neurons, one, or none.
 */
class FindTokenWithoutSparkTest {
    private static final int VOCAB = 2_600;

    @TempDir
    static Path dir;
    static Path atlas;
    static SyntheticCheckpoint.Written dense;
    static SyntheticCheckpoint.Written moe;

    @BeforeAll
    static void mapThreeCheckpoints() throws IOException {
        dense = new SyntheticCheckpoint().layers(2).dModel(32).dMlp(48).vocab(VOCAB).seed(11).plantDogAndCalifornia()
                .write(dir.resolve("tiny"));
        moe = new SyntheticCheckpoint().family(SyntheticFamily.QWEN2_MOE).layers(2).dModel(32).dMlp(24).experts(3)
                .expertDMlp(16).sharedExpertDMlp(8).denseLayers(0).vocab(VOCAB).seed(22).write(dir.resolve("moe"));
        atlas = dir.resolve("atlas");
        Maps.of(dense.dir(), atlas).checkpoint("tiny").run();
        // The same weights again: every row ties with its twin on normalized_prob, and the checkpoint orders them.
        Maps.of(dense.dir(), atlas).checkpoint("Tiny-B").run();
        Maps.of(moe.dir(), atlas).checkpoint("moe").run();
    }

    @AfterEach
    void timingsOff() {
        System.clearProperty(StartupTimes.PROPERTY);
    }

    @Test
    void everyFormatAndLimitPrintsWhatTheSparkQueryPrints() {
        List<String> tokens = new ArrayList<>(List.of(" dog", "DOG", " California", "no such word at all"));
        tokens.add(dense.tokens().token(VOCAB - 3));
        tokens.add(moe.tokens().token(1_100));
        int answered = 0;
        for (String token : tokens) {
            for (String format : List.of("table", "csv", "json")) {
                for (List<String> limit : List.of(List.<String>of(), List.of("--limit", "1"), List.of("--limit", "7"))) {
                    List<String> args = new ArrayList<>(List.of("--format", format));
                    args.addAll(limit);
                    args.add(token);
                    answered += sameAsSpark(args) ? 1 : 0;
                }
            }
        }
        assertTrue(answered >= 3 * 3 * 4, "most lookups have rows: " + answered);
    }

    @Test
    void aTokenIdPrintsWhatTheSparkQueryPrints() {
        for (int id : new int[] {dense.tokens().idOf(" dog").orElseThrow(), VOCAB - 3, 5}) {
            for (String format : List.of("table", "csv", "json")) {
                sameAsSpark(List.of("--format", format, "--token-id", Integer.toString(id)));
            }
        }
    }

    /** Runs the one-off both ways; true when it printed rows. */
    private static boolean sameAsSpark(List<String> args) {
        System.setProperty(StartupTimes.PROPERTY, "true");
        Cli.Result direct = Cli.run(Stream.concat(Stream.of("find-token", "--atlas", atlas.toString()),
                args.stream()).toArray(String[]::new));
        System.clearProperty(StartupTimes.PROPERTY);
        Cli.Result spark = Cli.run(Stream.concat(Stream.of("find-token", "--master", "local[2]", "--atlas",
                atlas.toString()), args.stream()).toArray(String[]::new));
        assertEquals(0, direct.code(), direct.err());
        assertEquals(0, spark.code(), spark.err());
        assertTrue(direct.err().contains("answer without spark"), args + " took the Spark path: " + direct.err());
        assertEquals(spark.out(), direct.out(), String.valueOf(args));
        return spark.out().contains(" L") || spark.out().contains("\"neuron_id\"") || spark.out().contains(",L");
    }

    @Test
    void anAtlasWithARunMappedBeforeTokenNeuronsRunsTheQuery() throws IOException {
        Path old = dir.resolve("old-atlas");
        FileUtils.copyDirectory(atlas.toFile(), old.toFile());
        Path moeRun;
        try (Stream<Path> runs = java.nio.file.Files.list(old.resolve(MapTables.TOKEN_NEURONS).resolve(
                "checkpoint=moe"))) {
            moeRun = runs.findFirst().orElseThrow();
        }
        FileUtils.deleteDirectory(moeRun.toFile());
        assertTrue(TokenLookup.open(new Configuration(), atlas.toString()).isPresent());
        assertTrue(TokenLookup.open(new Configuration(), old.toString()).isEmpty(), "one run has no token_neurons");
        System.setProperty(StartupTimes.PROPERTY, "true");
        Cli.Result result = Cli.run("find-token", "--atlas", old.toString(), "--format", "csv", " dog");
        assertEquals(0, result.code(), result.err());
        assertFalse(result.err().contains("answer without spark"), result.err());
        assertTrue(result.out().lines().anyMatch(l -> l.startsWith("moe,")), "the moe run's rows, from neuron_tokens");
    }

    @Test
    void aMissingAtlasIsNamedAsTheQueryNamesIt() throws IOException {
        Cli.Result result = Cli.run("find-token", "--atlas", dir.resolve("nowhere").toString(), " dog");
        assertTrue(result.code() != 0, result.out());
        assertTrue(result.err().contains(dir.resolve("nowhere").toString()), result.err());
        assertTrue(TokenLookup.open(new Configuration(), dir.toString()).isEmpty(), "a folder with no catalog");
    }
}
