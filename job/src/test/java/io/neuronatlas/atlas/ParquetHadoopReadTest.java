package io.neuronatlas.atlas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.synthetic.PlantedNeuron;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import io.neuronatlas.udfs.TokenText;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.values.bloomfilter.BloomFilter;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The atlas is plain Parquet: every table read back with parquet-hadoop's own reader (no Spark), its schema and
 * values checked, and the lookup layout of neuron_tokens (token order, bloom filter) verified in the files.
 */
class ParquetHadoopReadTest {
    static final int LAYERS = 2;
    static final int D_MLP = 96;
    static final int VOCAB = 700;
    static final int TOP_K = 20;

    @TempDir
    static Path dir;
    static SyntheticCheckpoint.Written model;
    static Path atlas;

    @BeforeAll
    static void map() throws IOException {
        model = new SyntheticCheckpoint().layers(LAYERS).dModel(64).dMlp(D_MLP).vocab(VOCAB).seed(11)
                .plantDogAndCalifornia().write(dir.resolve("tiny"));
        atlas = dir.resolve("atlas");
        Maps.of(model.dir(), atlas).shardSize(32).batchSize(16).watch(" dog").run();
    }

    private static List<Path> files(String table) throws IOException {
        try (Stream<Path> walk = Files.walk(atlas.resolve(table))) {
            return walk.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
        }
    }

    private static List<Group> read(Path file) throws IOException {
        List<Group> rows = new ArrayList<>();
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(),
                new org.apache.hadoop.fs.Path(file.toString())).build()) {
            for (Group g = reader.read(); g != null; g = reader.read()) {
                rows.add(g);
            }
        }
        return rows;
    }

    private static ParquetFileReader open(Path file) throws IOException {
        return ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toString()),
                new Configuration()));
    }

    private static MessageType schema(Path file) throws IOException {
        try (ParquetFileReader reader = open(file)) {
            return reader.getFileMetaData().getSchema();
        }
    }

    /** "matrix=up/layer=1" of a partition file, as the folder names say. */
    private static String partition(Path file) {
        return file.getParent().getParent().getFileName() + "/" + file.getParent().getFileName();
    }

    @Test
    void neuronTokensReadWithoutSparkAgreeWithSparksReader() throws IOException {
        Map<String, Group> rows = new HashMap<>();
        List<Path> files = files(MapTables.NEURON_TOKENS);
        assertEquals(3 * LAYERS * (D_MLP / 32), files.size());
        for (Path file : files) {
            assertEquals(MapTables.NEURON_TOKENS_FILE, schema(file), file.toString());
            String[] part = partition(file).split("/");
            for (Group g : read(file)) {
                String key = part[0].substring(7) + "/" + part[1].substring(6) + "/" + g.getInteger("neuron", 0)
                        + "/" + g.getString("polarity", 0) + "/" + g.getInteger("rank", 0);
                assertEquals(null, rows.put(key, g), "duplicate row " + key);
            }
        }
        assertEquals(3 * LAYERS * D_MLP * 2 * TOP_K, rows.size());
        // Spark's vectorized reader is a separate implementation: both must see the same values.
        for (Row r : TestSpark.session().read().parquet(atlas + "/" + MapTables.NEURON_TOKENS).collectAsList()) {
            String key = r.getAs("matrix") + "/" + r.getAs("layer") + "/" + r.getAs("neuron") + "/"
                    + r.getAs("polarity") + "/" + r.getAs("rank");
            Group g = rows.get(key);
            assertNotNull(g, key);
            assertEquals((int) (Integer) r.getAs("token_id"), g.getInteger("token_id", 0), key);
            assertEquals(r.getAs("token"), g.getString("token", 0), key);
            assertEquals((Float) r.getAs("score"), g.getFloat("score", 0), key);
            assertEquals((Float) r.getAs("prob"), g.getFloat("prob", 0), key);
            assertEquals((Float) r.getAs("normalized_prob"), g.getFloat("normalized_prob", 0), key);
        }
        PlantedNeuron dog = model.planted().get(0);
        Group first = rows.get("up/" + dog.layer() + "/" + dog.neuron() + "/+/1");
        assertEquals(" dog", first.getString("token", 0));
        assertEquals(model.tokens().idOf(" dog").getAsInt(), first.getInteger("token_id", 0));
        assertTrue(first.getFloat("normalized_prob", 0) > 10, "the planted neuron is specific to \" dog\"");
    }

    @Test
    void neuronTokensFilesAreInTokenOrderWithABloomFilterOnTokenId() throws IOException {
        for (Path file : files(MapTables.NEURON_TOKENS)) {
            int previous = Integer.MIN_VALUE;
            Set<Integer> present = new HashSet<>();
            for (Group g : read(file)) {
                int id = g.getInteger("token_id", 0);
                assertTrue(id >= previous, file + ": token_id " + id + " after " + previous);
                previous = id;
                present.add(id);
            }
            try (ParquetFileReader reader = open(file)) {
                for (BlockMetaData block : reader.getRowGroups()) {
                    ColumnChunkMetaData column = block.getColumns().stream()
                            .filter(c -> c.getPath().toDotString().equals("token_id")).findFirst().orElseThrow();
                    BloomFilter bloom = reader.readBloomFilter(column);
                    assertNotNull(bloom, file + ": no bloom filter on token_id (encodings " + column.getEncodings()
                            + ", bloom filter offset " + column.getBloomFilterOffset() + ")");
                    int falsePositives = 0;
                    for (int id = 0; id < VOCAB; id++) {
                        boolean maybe = bloom.findHash(bloom.hash(id));
                        if (present.contains(id)) {
                            assertTrue(maybe, file + ": bloom filter misses token " + id);
                        } else if (maybe) {
                            falsePositives++;
                        }
                    }
                    assertTrue(falsePositives <= 0.05 * (VOCAB - present.size()), file + ": " + falsePositives
                            + " false positives");
                }
            }
        }
    }

    @Test
    void neuronsTokenProfilesAndTokensTablesReadWithoutSpark() throws IOException {
        int neurons = 0;
        for (Path file : files(MapTables.NEURONS)) {
            assertEquals(MapTables.NEURONS_FILE, schema(file), file.toString());
            for (Group g : read(file)) {
                float max = g.getFloat("max_score", 0);
                float min = g.getFloat("min_score", 0);
                assertEquals(Math.max(Math.abs(max), Math.abs(min)), g.getFloat("max_abs_score", 0), 0f);
                assertTrue(g.getFloat("norm", 0) > 0);
                neurons++;
            }
        }
        assertEquals(3 * LAYERS * D_MLP, neurons);

        int dogId = model.tokens().idOf(" dog").getAsInt();
        int profiles = 0;
        for (Path file : files(MapTables.TOKEN_PROFILES)) {
            assertEquals(MapTables.TOKEN_PROFILES_FILE, schema(file), file.toString());
            for (Group g : read(file)) {
                assertEquals(dogId, g.getInteger("token_id", 0));
                assertEquals(" dog", g.getString("token", 0));
                float prob = g.getFloat("prob", 0);
                assertTrue(prob > 0 && prob <= 1, "prob " + prob);
                profiles++;
            }
        }
        assertEquals(3 * LAYERS * D_MLP, profiles, "one profile row per neuron and watched token");

        List<Path> vocabulary = files(MapTables.TOKENS);
        assertEquals(1, vocabulary.size());
        assertEquals(MapTables.TOKENS_FILE, schema(vocabulary.get(0)));
        List<Group> tokens = read(vocabulary.get(0));
        assertEquals(VOCAB, tokens.size());
        Set<Integer> ids = new HashSet<>();
        String previous = "";
        for (Group g : tokens) {
            int id = g.getInteger("token_id", 0);
            ids.add(id);
            assertEquals(model.tokens().token(id), g.getString("token", 0));
            String norm = g.getString("norm", 0);
            assertEquals(TokenText.norm(g.getString("token", 0)), norm);
            assertTrue(norm.compareTo(previous) >= 0, "tokens ordered by norm: '" + norm + "' after '"
                    + previous + "'");
            previous = norm;
        }
        assertEquals(VOCAB, ids.size());
    }
}
