package io.neuronatlas.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.atlas.MapTables;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import io.neuronatlas.udfs.TokenText;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * token_neurons, the map's copy of neuron_tokens in blocks of token ids, and find-token reading a token's block file
 * alone. A vocabulary of 2,600 ids makes three blocks; two checkpoints make two runs. The answers are checked against
 * neuron_tokens' rows filtered in plain Java.
 */
class TokenNeuronsTest {
    static final int VOCAB = 2_600;
    private static final Pattern BLOCK_FILE = Pattern.compile("checkpoint=([^/]+)/run=[^/]+/block-(\\d{5})\\.zstd\\.parquet$");

    @TempDir
    static Path dir;
    static SyntheticCheckpoint.Written model;
    static Path atlasDir;
    static List<Row> neuronTokens;

    @BeforeAll
    static void mapTwoCheckpoints() throws IOException {
        model = new SyntheticCheckpoint().layers(2).dModel(32).dMlp(48).vocab(VOCAB).seed(11).plantDogAndCalifornia()
                .write(dir.resolve("tiny"));
        SyntheticCheckpoint.Written other = new SyntheticCheckpoint().layers(2).dModel(32).dMlp(48).vocab(VOCAB)
                .seed(12).plantDogAndCalifornia().write(dir.resolve("tiny-b"));
        atlasDir = dir.resolve("atlas");
        Maps.of(model.dir(), atlasDir).shardSize(32).run();
        Maps.of(other.dir(), atlasDir).shardSize(48).run();
        neuronTokens = TestSpark.session().read().parquet(atlasDir + "/neuron_tokens")
                .withColumn("layer", functions.col("layer").cast("int")).collectAsList();
    }

    private static String key(Row r) {
        return r.getAs("checkpoint") + "/" + r.getAs("matrix") + "/" + r.getAs("layer") + "/" + r.getAs("neuron")
                + "/" + r.getAs("polarity") + "/" + r.getAs("rank") + "/" + r.getAs("token_id") + "/"
                + r.getAs("token") + "/" + r.getAs("score") + "/" + r.getAs("normalized_prob");
    }

    @Test
    void everyNeuronTokensRowIsInItsBlocksFileInTokenOrder() {
        SparkSession spark = TestSpark.session();
        // Each file alone, in its own row order (one task a file: no split reorders it).
        List<String> tokenNeuronsKeys = new ArrayList<>();
        Map<String, Integer> filesPerCheckpoint = new TreeMap<>();
        try (Stream<Path> files = Files.walk(atlasDir.resolve(MapTables.TOKEN_NEURONS))) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("block-")).toList()) {
                Matcher m = BLOCK_FILE.matcher(file.toString());
                assertTrue(m.find(), file.toString());
                int block = Integer.parseInt(m.group(2));
                filesPerCheckpoint.merge(m.group(1), 1, Integer::sum);
                List<Row> rows = spark.read().option("basePath", atlasDir.resolve(MapTables.TOKEN_NEURONS).toString())
                        .parquet(file.toString()).collectAsList();
                assertFalse(rows.isEmpty(), file + " has no rows");
                int previous = -1;
                for (Row r : rows) {
                    int id = r.getAs("token_id");
                    assertTrue(id >= block * 1024 && id < (block + 1) * 1024, file + ": token " + id);
                    assertTrue(id >= previous, file + ": token " + id + " after " + previous);
                    previous = id;
                    tokenNeuronsKeys.add(key(r));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertEquals(Map.of("tiny", 3, "tiny-b", 3), filesPerCheckpoint, "three blocks of 1,024 ids for 2,600 ids");
        assertEquals(neuronTokens.stream().map(TokenNeuronsTest::key).sorted().toList(),
                tokenNeuronsKeys.stream().sorted().toList(), "token_neurons holds neuron_tokens' rows, no more");
    }

    @Test
    void findTokenOpensOnlyTheBlockFilesOfItsIds() throws IOException {
        Atlas atlas = Atlas.openForQueries(TestSpark.session(), atlasDir.toString());
        List<Row> found = atlas.findToken(" dog", 100_000).collectAsList();
        List<String> expected = neuronTokens.stream().filter(r -> TokenText.norm(r.getAs("token")).equals("dog"))
                .map(TokenNeuronsTest::key).sorted().toList();
        assertFalse(expected.isEmpty());
        assertEquals(expected, found.stream().map(TokenNeuronsTest::key).sorted().toList());
        int[] dogBlocks = java.util.stream.IntStream.range(0, VOCAB)
                .filter(i -> TokenText.norm(model.tokens().token(i)).equals("dog")).map(i -> i / 1024).distinct()
                .toArray();
        assertBlockFiles(TestSpark.session().table(Atlas.TOKEN_MATCHES).inputFiles(), dogBlocks);

        // An id in the last block, looked up by id.
        int id = VOCAB - 1 - neuronTokens.stream().mapToInt(r -> VOCAB - 1 - (Integer) r.getAs("token_id")).min()
                .getAsInt();
        assertTrue(id >= 2048, "the largest id some neuron ranks, " + id + ", is in the last block");
        List<String> byId = atlas.findTokenId(id, 100_000).collectAsList().stream().map(TokenNeuronsTest::key)
                .sorted().toList();
        assertEquals(neuronTokens.stream().filter(r -> (Integer) r.getAs("token_id") == id)
                .map(TokenNeuronsTest::key).sorted().toList(), byId);
        assertBlockFiles(TestSpark.session().table(Atlas.TOKEN_MATCHES).inputFiles(), 2);
    }

    private static void assertBlockFiles(String[] files, int... blocks) {
        List<String> expected = new ArrayList<>();
        for (String checkpoint : List.of("tiny", "tiny-b")) {
            for (int block : blocks) {
                expected.add(checkpoint + "/" + block);
            }
        }
        List<String> read = new ArrayList<>();
        for (String file : files) {
            Matcher m = BLOCK_FILE.matcher(file);
            assertTrue(m.find(), "find-token read " + file + ", not a token_neurons block: " + Arrays.toString(files));
            read.add(m.group(1) + "/" + Integer.parseInt(m.group(2)));
        }
        assertEquals(expected.stream().sorted().toList(), read.stream().sorted().toList());
    }

    @Test
    void anAtlasMappedBeforeTokenNeuronsIsReadFromNeuronTokens() throws IOException {
        Path old = dir.resolve("old-atlas");
        org.apache.commons.io.FileUtils.copyDirectory(atlasDir.toFile(), old.toFile());
        org.apache.commons.io.FileUtils.deleteDirectory(old.resolve(MapTables.TOKEN_NEURONS).toFile());
        Atlas atlas = Atlas.openForQueries(TestSpark.session(), old.toString());
        List<String> found = atlas.findToken(" California", 100_000).collectAsList().stream()
                .map(TokenNeuronsTest::key).sorted().toList();
        assertEquals(neuronTokens.stream().filter(r -> TokenText.norm(r.getAs("token")).equals("california"))
                .map(TokenNeuronsTest::key).sorted().toList(), found);
        assertFalse(found.isEmpty());
        for (String file : TestSpark.session().table(Atlas.TOKEN_MATCHES).inputFiles()) {
            assertTrue(file.contains("/neuron_tokens/"), file);
        }
    }

    @Test
    void theVariantsReadFromTheTokensFilesAreTheTokenVariantsQuerysRows() throws IOException {
        Atlas atlas = Atlas.openForQueries(TestSpark.session(), atlasDir.toString());
        List<String> asked = new ArrayList<>(List.of(" dog", "DOG", " California", "no such word at all"));
        asked.add(model.tokens().token(VOCAB - 7));
        for (String token : asked) {
            List<String> read = atlas.variants(token).entries().stream()
                    .map(e -> e.checkpoint() + "/" + e.tokenId() + "/" + e.text() + "/" + e.kind()).sorted().toList();
            List<String> queried = atlas.tokenVariants(token).collectAsList().stream()
                    .map(r -> r.getAs("checkpoint") + "/" + r.getAs("token_id") + "/" + r.getAs("token") + "/"
                            + r.getAs("kind")).sorted().toList();
            assertEquals(queried, read, "variants of '" + token + "'");
        }
        assertTrue(atlas.variants(" dog").entries().stream().map(TokenVariants.Entry::checkpoint).distinct().count()
                == 2, "both checkpoints' vocabularies are read");
    }

    @Test
    void anUnreadableTokensFileIsNamed() throws IOException {
        Path broken = dir.resolve("broken-tokens");
        org.apache.commons.io.FileUtils.copyDirectory(atlasDir.toFile(), broken.toFile());
        Path file;
        try (Stream<Path> files = Files.walk(broken.resolve(MapTables.TOKENS))) {
            file = files.filter(f -> f.getFileName().toString().endsWith(".parquet")
                    && !f.getFileName().toString().startsWith(".")).findFirst().orElseThrow();
        }
        Files.write(file, new byte[] {'P', 'A', 'R', '1', 0, 0, 0, 0});
        Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
        Atlas atlas = Atlas.openForQueries(TestSpark.session(), broken.toString());
        java.io.UncheckedIOException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.io.UncheckedIOException.class, () -> atlas.variants(" dog"));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
}
