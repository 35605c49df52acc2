package io.neuronatlas.checkpoint;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.neuronatlas.checkpoint.safetensors.SafetensorsFile;
import io.neuronatlas.checkpoint.safetensors.SafetensorsFormatException;
import io.neuronatlas.checkpoint.safetensors.TensorInfo;
import io.neuronatlas.checkpoint.safetensors.WeightFiles;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.checkpoint.tokenizer.TokenizerFormatException;
import io.neuronatlas.checkpoint.tokenizer.TokenizerJsonWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random mutation of valid files, for a bounded time per parser: every mutated safetensors file, weight index,
 * tokenizer.json and config.json ends in a result or in the parser's own clear error, never in a hang (each input
 * gets {@value #CASE_SECONDS} s), another exception, or an OutOfMemoryError. Jazzer was not used: its JUnit
 * integration only fuzzes with JAZZER_FUZZ set and one fuzz test per run, replaying stored inputs otherwise, so in
 * mvn verify it would not explore; this fuzzes on every run, and a failure prints the seed and case to replay.
 */
class ParserFuzzTest {
    private static final long SEED = 0x5eed_10L;
    private static final int CASE_SECONDS = 20;
    /** Bytes a mutation likes to insert: JSON structure, digits, escapes, and what makes numbers large. */
    private static final byte[] JSON_BYTES = "{}[]\":,0123456789-+eE.\\ntfu \u0000\u00ff".getBytes(StandardCharsets.ISO_8859_1);
    private static final String[] SNIPPETS = {"99999999999999999999999", "-1", "1e308", "-9223372036854775808",
        "18446744073709551616", "null", "\"\\ud800\"", "\"\\u0000\"", "{}", "[]", "\"__metadata__\"", "\"dtype\":\"F64\"",
        "\"shape\":[0]", "\"data_offsets\":[0,0]", "\"vocab\":{}", "\"type\":\"Unigram\"", "\"added_tokens\":null",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "\"Ġ\"", "\"▁\""};

    @TempDir
    static Path dir;
    static ExecutorService worker;
    static byte[] safetensors;
    static byte[] index;
    static byte[] tokenizer;
    static byte[] neox;
    static byte[] config;
    static Path sharded;

    @BeforeAll
    static void seeds() throws Exception {
        worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz case");
            t.setDaemon(true);
            return t;
        });
        Path single = new SyntheticCheckpoint().layers(1).dModel(8).dMlp(8).vocab(64).seed(3)
                .write(dir.resolve("single")).dir();
        safetensors = Files.readAllBytes(single.resolve("model.safetensors"));
        config = Files.readAllBytes(single.resolve("config.json"));
        sharded = new SyntheticCheckpoint().layers(1).dModel(8).dMlp(8).vocab(64).seed(3).files(2)
                .write(dir.resolve("sharded")).dir();
        index = Files.readAllBytes(sharded.resolve("model.safetensors.index.json"));
        Path small = dir.resolve("small-tokenizer.json");
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            texts.add(i % 3 == 0 ? " w" + i : "t" + i);
        }
        TokenizerJsonWriter.writeByteLevel(small, texts, List.of("<s>", "</s>"));
        tokenizer = Files.readAllBytes(small);
        neox = Files.readAllBytes(Path.of("src/test/resources/tokenizers/gpt-neox/tokenizer.json"));
    }

    @AfterAll
    static void stop() {
        worker.shutdownNow();
    }

    /** One to four mutations of the seed: bit flips, JSON bytes, deletions, duplications, snippets, truncation. */
    static byte[] mutate(byte[] seed, SplittableRandom r, int focusEnd) {
        byte[] bytes = seed.clone();
        for (int m = 1 + r.nextInt(4); m > 0; m--) {
            int end = Math.max(1, Math.min(bytes.length, focusEnd));
            int at = r.nextInt(end);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            switch (r.nextInt(7)) {
                case 0 -> {
                    bytes[at] ^= (byte) (1 << r.nextInt(8));
                    continue;
                }
                case 1 -> {
                    bytes[at] = JSON_BYTES[r.nextInt(JSON_BYTES.length)];
                    continue;
                }
                case 2 -> { // delete a range
                    int length = Math.min(bytes.length - at, 1 + r.nextInt(32));
                    out.write(bytes, 0, at);
                    out.write(bytes, at + length, bytes.length - at - length);
                }
                case 3 -> { // duplicate a range
                    int length = Math.min(bytes.length - at, 1 + r.nextInt(64));
                    out.write(bytes, 0, at + length);
                    out.write(bytes, at, bytes.length - at);
                }
                case 4 -> { // insert a snippet
                    byte[] snippet = SNIPPETS[r.nextInt(SNIPPETS.length)].getBytes(StandardCharsets.UTF_8);
                    out.write(bytes, 0, at);
                    out.write(snippet, 0, snippet.length);
                    out.write(bytes, at, bytes.length - at);
                }
                case 5 -> out.write(bytes, 0, at); // truncate
                default -> { // a random byte anywhere
                    bytes[r.nextInt(bytes.length)] = (byte) r.nextInt(256);
                    continue;
                }
            }
            bytes = out.toByteArray();
            if (bytes.length == 0) {
                bytes = new byte[] {'{'};
            }
        }
        return bytes;
    }

    /** A parse of one input: returns normally, or throws one of its own error types. */
    @FunctionalInterface
    interface Parse {
        void run(byte[] input, Path file) throws Exception;
    }

    /**
     * Mutates seed until seconds have passed and at least minCases were tried.
     *
     * @param focusEnd mutations fall in bytes [0, focusEnd) (the header of a safetensors file, say)
     */
    private static void fuzz(String what, int seconds, int minCases, byte[] seed, int focusEnd, String fileName,
                             Parse parse, Class<?>... clearErrors) throws Exception {
        SplittableRandom random = new SplittableRandom(SEED ^ what.hashCode());
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        int cases = 0;
        int refused = 0;
        Path folder = Files.createDirectories(dir.resolve("cases-" + what));
        while (cases < minCases || System.currentTimeMillis() < deadline) {
            byte[] input = mutate(seed, random, focusEnd);
            Path file = folder.resolve(fileName);
            Files.write(file, input);
            int number = cases++;
            Future<?> result = worker.submit(() -> {
                parse.run(input, file);
                return null;
            });
            try {
                result.get(CASE_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                result.cancel(true);
                fail(what + " case " + number + " (seed " + SEED + ") did not end in " + CASE_SECONDS + " s; input "
                        + "kept in " + keep(file, number));
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                boolean clear = false;
                for (Class<?> type : clearErrors) {
                    clear |= type.isInstance(cause);
                }
                if (!clear || cause.getMessage() == null || !cause.getMessage().contains(file.getFileName()
                        .toString())) {
                    throw new AssertionError(what + " case " + number + " (seed " + SEED + ", input kept in "
                            + keep(file, number) + ") ended in " + cause, cause);
                }
                refused++;
            }
        }
        System.out.printf("fuzz %s: %d cases, %d refused with a clear error, %d read%n", what, cases, refused,
                cases - refused);
        assertTrue(refused > 0 && refused < cases, what + ": the mutations should both keep and break inputs");
    }

    private static Path keep(Path file, int number) throws java.io.IOException {
        return Files.copy(file, file.resolveSibling("failed-" + number + "-" + file.getFileName()));
    }

    @Test
    void safetensorsHeaders() throws Exception {
        int headerEnd = 8 + (int) java.nio.ByteBuffer.wrap(safetensors, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getLong();
        fuzz("safetensors", 10, 200, safetensors, headerEnd, "model.safetensors", (input, file) -> {
            try (SafetensorsFile st = SafetensorsFile.open(file)) {
                // What opened must read: every float matrix's first rows and columns, every vector.
                for (TensorInfo t : st.tensors().values()) {
                    if (!t.dtype().isFloatWeight()) {
                        continue;
                    }
                    if (t.rank() == 2 && t.dim(0) > 0 && t.dim(1) > 0 && t.dim(1) < 1 << 20) {
                        st.readRows(t.name(), 0, 1, new float[(int) t.dim(1)], 0);
                        if (t.dim(0) < 1 << 20) {
                            st.readColumns(t.name(), 0, 1, new float[(int) t.dim(0)], 0);
                        }
                    } else if (t.elementCount() < 1 << 20) {
                        st.readVector(t.name());
                    }
                }
            }
        }, SafetensorsFormatException.class);
    }

    @Test
    void weightIndexes() throws Exception {
        fuzz("index", 8, 150, index, index.length, "model.safetensors.index.json", (input, file) -> {
            Path model = file.getParent();
            try (java.nio.file.DirectoryStream<Path> shards = Files.newDirectoryStream(sharded, "*.safetensors")) {
                for (Path shard : shards) {
                    Path copy = model.resolve(shard.getFileName());
                    if (!Files.exists(copy)) {
                        Files.copy(shard, copy);
                    }
                }
            }
            WeightFiles.open(model).close();
        }, SafetensorsFormatException.class);
    }

    @Test
    void tokenizers() throws Exception {
        fuzz("tokenizer", 8, 150, tokenizer, tokenizer.length, "tokenizer.json", (input, file) -> TokenTable.load(file, 48),
                TokenizerFormatException.class);
        // The real GPT-NeoX file, mutated near its start where the model, normalizer and decoder are described.
        fuzz("neox", 6, 20, neox, 4096, "tokenizer.json", (input, file) -> TokenTable.load(file, 50_304),
                TokenizerFormatException.class);
    }

    @Test
    void configs() throws Exception {
        fuzz("config", 4, 150, config, config.length, "config.json", (input, file) -> ModelConfig.read(file),
                CheckpointException.class);
    }
}
