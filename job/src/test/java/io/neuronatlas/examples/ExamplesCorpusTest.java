package io.neuronatlas.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.atlas.ExamplesTables;
import io.neuronatlas.checkpoint.tokenizer.PromptEncoder;
import io.neuronatlas.compute.examples.Segment;
import io.neuronatlas.compute.examples.Segmenter;
import io.neuronatlas.jobs.ExamplesJob;
import io.neuronatlas.jobs.ExamplesOptions;
import io.neuronatlas.jobs.ExamplesOutcome;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.testing.AtlasFiles;
import io.neuronatlas.testing.TestSpark;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corpus problems: each is a clear error naming the file (and line), or a counted skip, and a failed run publishes
 * nothing. Also --max-tokens (which documents it takes) and a long document streamed segment by segment.
 */
class ExamplesCorpusTest {
    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void model() throws IOException {
        model = dir.resolve("ckpt-corpus");
        ExampleCorpus.model(model);
    }

    static ExamplesOptions.Builder builder(Path atlas, Path... corpus) {
        List<String> paths = new ArrayList<>();
        for (Path p : corpus) {
            paths.add(p.toString());
        }
        return ExamplesOptions.builder(model, atlas.toString()).corpus(paths).segment(ExampleCorpus.SEGMENT).top(2)
                .sample(2).layers("1");
    }

    static ExamplesOptions options(Path atlas, Path... corpus) {
        return builder(atlas, corpus).build();
    }

    static ExamplesOutcome examine(ExamplesOptions o) throws IOException {
        return new ExamplesJob(TestSpark.session(), new PrintStream(OutputStream.nullOutputStream())).examine(o);
    }

    /** The run fails with a message naming what is at fault, and nothing of the checkpoint is published. */
    static void failsCleanly(ExamplesOptions o, String... expected) throws IOException {
        Exception e = assertThrows(Exception.class, () -> examine(o));
        String message = String.valueOf(e.getMessage());
        for (String part : expected) {
            assertTrue(message.contains(part), "'" + part + "' in: " + message);
        }
        Path atlas = Path.of(o.atlas());
        if (Files.exists(atlas.resolve("examples"))) {
            try (var entries = Files.list(atlas.resolve("examples"))) {
                assertTrue(entries.noneMatch(p -> p.getFileName().toString().endsWith(".json")), "no catalog entry");
            }
        }
        for (String table : ExamplesTables.TABLES) {
            assertEquals(List.of(), AtlasFiles.runFolders(atlas, table, "ckpt-corpus"), table + " has no run");
        }
    }

    static Path write(String name, String content) throws IOException {
        Path p = dir.resolve("corpora").resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void missingTextColumnNamesTheFieldAndTheLine() throws IOException {
        Path corpus = write("body.jsonl", "{\"id\": 1, \"body\": \" cat house\"}\n");
        failsCleanly(options(dir.resolve("a1"), corpus), "body.jsonl", "byte 0", "no field 'text'", "[id, body]",
                "--text-column");
        ExamplesOutcome ok = examine(builder(dir.resolve("a1b"), corpus).textColumn("body").build());
        assertEquals(1, ok.entry().documents());
    }

    /**
     * --id-field names each JSON line's (and Parquet row's) id, a string or an integer (kept as its text); a text
     * file's document has none.
     * Changing the id field reruns; an atlas written before document_id existed still opens, the column null.
     */
    @Test
    void idFieldKeepsEachDocumentsIdBesideItsOffset() throws IOException {
        String[] stringLines = {"{\"key\": \"a-1\", \"text\": \" cat river fish\"}", "{\"key\": \"b 2\", \"text\": "
                + "\" bird music cat\"}"};
        String[] integerLines = {"{\"text\": \" green house cat\", \"key\": 7}", "{\"key\": 12345678901234567890, "
                + "\"text\": \" fish fish bird\"}"};
        Path strings = write("ids-s.jsonl", String.join("\n", stringLines) + "\n");
        Path integers = write("ids-n.jsonl", String.join("\n", integerLines) + "\n");
        Path text = write("ids.txt", " house music bird");
        SparkSession spark = TestSpark.session();
        // a Parquet folder as Spark writes it (its _SUCCESS and .crc files are not corpus files); ids in a long column
        Path parquet = dir.resolve("corpora/ids-parquet");
        spark.sql("SELECT * FROM VALUES (40L, ' river river green'), (41L, ' music cat') AS t(key, text)")
                .coalesce(1).write().parquet(parquet.toString());
        Map<String, String> expected = new HashMap<>();
        try (var written = Files.list(parquet)) {
            String part = written.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".parquet"))
                    .findFirst().orElseThrow();
            expected.put(part + "@0", "40");
            expected.put(part + "@1", "41");
        }
        expected.put("ids-s.jsonl@0", "a-1");
        expected.put("ids-s.jsonl@" + (stringLines[0].length() + 1), "b 2");
        expected.put("ids-n.jsonl@0", "7");
        expected.put("ids-n.jsonl@" + (integerLines[0].length() + 1), "12345678901234567890");
        expected.put("ids.txt@0", null);
        Path atlas = dir.resolve("a8");
        ExamplesOutcome out = examine(builder(atlas, strings, integers, text, parquet).idField("key").build());
        assertEquals("key", out.entry().parameters().idField());
        List<Row> docs = spark.read().parquet(atlas + "/neuron_examples").select("file", "document", "document_id")
                .distinct().collectAsList();
        Set<String> seen = new TreeSet<>();
        for (Row r : docs) {
            String file = r.getString(0);
            String key = file.substring(file.lastIndexOf('/') + 1) + "@" + r.getLong(1);
            assertTrue(expected.containsKey(key), key);
            assertEquals(expected.get(key), r.getString(2), key);
            seen.add(key);
        }
        assertEquals(new TreeSet<>(expected.keySet()), seen, "examples from every document");

        ExamplesOutcome byDefault = examine(options(atlas, strings, integers, text, parquet));
        assertTrue(byDefault.ran() && byDefault.reason().contains("id_field key -> id"), byDefault.reason());
        assertEquals(0, spark.read().parquet(atlas + "/neuron_examples").where("document_id IS NOT NULL").count(),
                "the default id field, absent from these lines, gives no ids");

        long rows = withoutDocumentIds(atlas.resolve("neuron_examples"));
        Atlas opened = Atlas.open(spark, atlas.toString());
        assertEquals(rows, opened.sql("SELECT count(*) FROM neuron_examples WHERE document_id IS NULL").first()
                .getLong(0));
        assertTrue(rows > 0);
    }

    /** Rewrites every file of the table as an atlas from before document_id wrote it; the rows, counted. */
    private static long withoutDocumentIds(Path table) throws IOException {
        List<Path> files;
        try (var walk = Files.walk(table)) {
            files = walk.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList();
        }
        long rows = 0;
        for (int i = 0; i < files.size(); i++) {
            Path old = dir.resolve("old-" + i);
            var read = TestSpark.session().read().parquet(files.get(i).toString()).drop("document_id");
            rows += read.count();
            read.coalesce(1).write().parquet(old.toString());
            try (var written = Files.list(old)) {
                Path part = written.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst()
                        .orElseThrow();
                Files.move(part, files.get(i), StandardCopyOption.REPLACE_EXISTING);
                // Hadoop's local file system checks a file against the checksum written beside it
                Files.deleteIfExists(files.get(i).resolveSibling("." + files.get(i).getFileName() + ".crc"));
            }
        }
        assertTrue(TestSpark.session().read().parquet(files.get(0).toString()).schema().getFieldIndex("document_id")
                .isEmpty(), "the rewritten files lack the column");
        return rows;
    }

    @Test
    void aLineWithoutTheNamedIdFieldIsAnErrorNamingFileLineAndField() throws IOException {
        String first = "{\"key\": \"a\", \"text\": \" cat river\"}";
        Path missing = write("ids-missing.jsonl", first + "\n{\"text\": \" fish bird\"}\n");
        failsCleanly(builder(dir.resolve("a9"), missing).idField("key").build(), "ids-missing.jsonl",
                "the line at byte " + (first.length() + 1), "no field 'key'", "--id-field key");
        Path fractional = write("ids-float.jsonl", "{\"key\": 1.5, \"text\": \" cat river\"}\n");
        failsCleanly(builder(dir.resolve("a9b"), fractional).idField("key").build(), "ids-float.jsonl", "byte 0",
                "'key' is a number, not a string or an integer");
    }

    @Test
    void emptyDocumentsAreSkippedAndCounted() throws IOException {
        Path corpus = write("empty-docs.jsonl", "{\"text\": \"\"}\n{\"text\": \" cat river\"}\n\n{\"text\": null}\n"
                + "{\"text\": \" fish\"}\n");
        ExamplesOutcome out = examine(options(dir.resolve("a2"), corpus));
        assertEquals(2, out.entry().documents());
        assertTrue(out.record().contains("\"emptyDocuments\":3"), out.record());
    }

    @Test
    void invalidUtf8IsAnErrorNamingTheFile() throws IOException {
        Path text = dir.resolve("corpora/latin1.txt");
        Files.createDirectories(text.getParent());
        Files.write(text, new byte[] {' ', 'c', 'a', 't', ' ', (byte) 0xe9, 't', 'e'});
        failsCleanly(options(dir.resolve("a3"), text), "latin1.txt", "not valid UTF-8");
        Path json = dir.resolve("corpora/latin1.jsonl");
        Files.write(json, new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xe9, '"', '}', '\n'});
        failsCleanly(options(dir.resolve("a3b"), json), "latin1.jsonl", "not valid UTF-8");
    }

    @Test
    void aFileThatIsNotWhatItsExtensionSays() throws IOException {
        Path fake = write("table.parquet", "{\"text\": \" cat\"}\n");
        failsCleanly(options(dir.resolve("a4"), fake), "table.parquet", "Parquet");
        Path binary = dir.resolve("corpora/binary.jsonl");
        Files.write(binary, new byte[] {'P', 'A', 'R', '1', 0, 1, 2, 3, '\n'});
        failsCleanly(options(dir.resolve("a4b"), binary), "binary.jsonl", "byte 0");
        failsCleanly(options(dir.resolve("a4c"), write("notes.csv", "text\n cat\n")), "notes.csv",
                "unknown file type");
    }

    @Test
    void anEmptyCorpusIsAnError() throws IOException {
        failsCleanly(options(dir.resolve("a5"), write("nothing.jsonl", "")), "no document with text");
        failsCleanly(options(dir.resolve("a5b"), write("blank.jsonl", "\n{\"text\": \"\"}\n")),
                "no document with text", "2 empty documents skipped");
    }

    @Test
    void maxTokensTakesTheFirstTokensInCorpusOrder() throws IOException {
        Path first = write("m1.jsonl", "{\"text\": \" cat cat cat\"}\n{\"text\": \" fish fish fish fish\"}\n");
        Path second = write("m2.jsonl", "{\"text\": \" bird bird\"}\n");
        // 3 + 4 + 2 tokens; a bound of 5 takes the first document and 2 tokens of the second.
        ExamplesOutcome out = examine(builder(dir.resolve("a6"), first, second).maxTokens(5).build());
        assertEquals(5, out.entry().tokens());
        assertEquals(2, out.entry().documents());
        assertTrue(out.record().contains("\"cutoff\":{\"fileIndex\":0,\"document\":"), out.record());
        List<org.apache.spark.sql.Row> files = TestSpark.session().read().parquet(dir.resolve("a6")
                + "/neuron_examples").select("file").distinct().collectAsList();
        assertEquals(1, files.size(), "nothing of the second file was examined");
        assertTrue(files.get(0).getString(0).endsWith("m1.jsonl"));

        // Rerun-safe: the same corpus and parameters do nothing; another bound or changed bytes run again.
        assertFalse(examine(builder(dir.resolve("a6"), first, second).maxTokens(5).build()).ran());
        ExamplesOutcome more = examine(builder(dir.resolve("a6"), first, second).maxTokens(6).build());
        assertTrue(more.ran() && more.reason().contains("max_tokens 5 -> 6"), more.reason());
        Files.writeString(second, "{\"text\": \" bird fish\"}\n");
        ExamplesOutcome changed = examine(builder(dir.resolve("a6"), first, second).maxTokens(6).build());
        assertTrue(changed.ran() && changed.reason().contains("corpus fingerprint"), changed.reason());
    }

    /** A 10 MB document read through a Reader that never holds it: segments come out as it is read. */
    @Test
    void aTenMegabyteDocumentIsStreamedSegmentBySegment() throws IOException {
        long chars = 10L << 20;
        String unit = " cat river fish";
        Reader huge = new Reader() {
            long served;

            @Override
            public int read(char[] buf, int off, int len) {
                if (served >= chars) {
                    return -1;
                }
                int n = (int) Math.min(len, chars - served);
                for (int i = 0; i < n; i++) {
                    buf[off + i] = unit.charAt((int) ((served + i) % unit.length()));
                }
                served += n;
                return n;
            }

            @Override
            public void close() {
            }
        };
        long[] segments = {0};
        long[] last = {-1};
        Runtime rt = Runtime.getRuntime();
        try (PromptEncoder encoder = PromptEncoder.open(model, 300)) {
            Segmenter segmenter = new Segmenter(encoder, ExampleCorpus.SEGMENT);
            long tokens = segmenter.segment("huge.txt", 0, null, huge, Long.MAX_VALUE, (Segment s) -> {
                assertEquals(segments[0], s.index());
                assertEquals(last[0] + 1, s.firstTextToken());
                last[0] = s.firstTextToken() + s.textTokens() - 1;
                segments[0]++;
            });
            // Three words a unit, one token each; the text ends in the unit's first 10 characters: " cat river".
            assertEquals(chars % unit.length(), 10);
            assertEquals(chars / unit.length() * 3 + 2, tokens);
            assertEquals((tokens + ExampleCorpus.SEGMENT - 2) / (ExampleCorpus.SEGMENT - 1), segments[0]);
        }
        assertTrue(rt.totalMemory() - rt.freeMemory() < rt.maxMemory(), "ran within the heap");
    }

    @Test
    void aLongTextFileDocumentRunsUnderMaxTokens() throws IOException {
        Path big = dir.resolve("corpora/big.txt");
        StringBuilder b = new StringBuilder();
        while (b.length() < (10 << 20)) {
            b.append(" cat river fish house green music");
        }
        Files.writeString(big, b);
        ExamplesOutcome out = examine(builder(dir.resolve("a7"), big).maxTokens(300).build());
        assertEquals(300, out.entry().tokens());
        assertEquals(1, out.entry().documents());
    }
}
