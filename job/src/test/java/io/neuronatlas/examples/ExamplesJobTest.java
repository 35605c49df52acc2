package io.neuronatlas.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.synthetic.SyntheticDecoder;
import io.neuronatlas.jobs.ExamplesJob;
import io.neuronatlas.jobs.ExamplesOptions;
import io.neuronatlas.jobs.ExamplesOutcome;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples job end to end on a planted " dog" neuron: its top examples, every neuron's top lists in both signs
 * and its statistics against a float64 brute force, the agreement with the map, and identical tables for other
 * partitionings of the corpus.
 */
class ExamplesJobTest {
    static final int TOP = 4;
    @TempDir
    static Path dir;
    static Path model;
    static Path corpus;
    static Path atlas;
    static List<String> documents;
    static ReferenceExamples reference;
    static SyntheticDecoder.Written written;
    static ExamplesOutcome first;

    static ExamplesOptions options(Path atlasDir) {
        return ExamplesOptions.builder(model, atlasDir.toString()).corpus(corpus.toString())
                .segment(ExampleCorpus.SEGMENT).top(TOP).sample(8).batchSize(3).build();
    }

    static ExamplesOutcome examine(ExamplesOptions o) throws IOException {
        return new ExamplesJob(TestSpark.session(), new PrintStream(OutputStream.nullOutputStream())).examine(o);
    }

    @BeforeAll
    static void run() throws IOException {
        model = dir.resolve("ckpt-dog");
        written = ExampleCorpus.model(model);
        documents = ExampleCorpus.documents();
        corpus = ExampleCorpus.writeJsonLines(dir.resolve("corpus/docs.jsonl"), documents);
        atlas = dir.resolve("atlas");
        Maps.of(model, atlas).topK(5).outcome();
        first = examine(options(atlas));
        reference = new ReferenceExamples(model, corpus, documents, ExampleCorpus.SEGMENT);
    }

    static List<Row> rows(String sql) {
        SparkSession spark = TestSpark.session();
        spark.read().parquet(atlas + "/neuron_examples").withColumn("layer", org.apache.spark.sql.functions.col(
                "layer").cast("int")).createOrReplaceTempView("ex");
        spark.read().parquet(atlas + "/neuron_activations").withColumn("layer", org.apache.spark.sql.functions.col(
                "layer").cast("int")).createOrReplaceTempView("act");
        return spark.sql(sql).collectAsList();
    }

    @Test
    void plantedNeuronsTopExamplesAreTheSegmentsWithDog() {
        int dog = written.id(" dog");
        List<String> dogSegments = new ArrayList<>();
        for (ReferenceExamples.Seg s : reference.segments) {
            for (int id : s.ids()) {
                if (id == dog) {
                    dogSegments.add(s.document() + "/" + s.index());
                    break;
                }
            }
        }
        assertTrue(dogSegments.size() >= 3 && dogSegments.size() <= TOP, "fixture: " + dogSegments + " "
                + java.util.Arrays.toString(reference.segments.get(3).ids()) + " dog " + dog);
        List<Row> top = rows("SELECT document, segment, token_id, token, activation, rank FROM ex WHERE layer = "
                + ExampleCorpus.LAYER + " AND neuron = " + ExampleCorpus.NEURON + " AND kind = 'max' ORDER BY rank");
        assertEquals(TOP, top.size());
        List<String> firstK = new ArrayList<>();
        for (int r = 0; r < dogSegments.size(); r++) {
            Row row = top.get(r);
            firstK.add(row.getLong(0) + "/" + row.getInt(1));
            assertEquals(dog, row.getInt(2), "rank " + (r + 1) + " is on " + row.getString(3));
            assertEquals(" dog", row.getString(3));
        }
        assertEquals(dogSegments.stream().sorted().toList(), firstK.stream().sorted().toList());
        for (int r = dogSegments.size(); r < top.size(); r++) {
            assertTrue(top.get(r).getFloat(4) < top.get(dogSegments.size() - 1).getFloat(4) / 4,
                    "a segment without dog is far below the dog segments");
        }
        List<Row> bos = rows("SELECT count(*) FROM ex WHERE position = 0");
        assertEquals(0L, bos.get(0).getLong(0), "a BOS position is never an example");
    }

    /** The corpus's lines carry "id": "doc-i" (ExampleCorpus): the default --id-field keeps each beside its offset. */
    @Test
    void documentIdsAreTheLinesOwnIds() throws IOException {
        Map<Long, String> idAtOffset = new java.util.HashMap<>();
        long offset = 0;
        List<String> lines = java.nio.file.Files.readAllLines(corpus);
        for (int i = 0; i < lines.size(); i++) {
            idAtOffset.put(offset, "doc-" + i);
            offset += lines.get(i).getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1;
        }
        List<Row> docs = rows("SELECT DISTINCT document, document_id FROM ex");
        assertTrue(docs.size() >= 5, "examples from several documents: " + docs);
        for (Row r : docs) {
            assertEquals(idAtOffset.get(r.getLong(0)), r.getString(1), "the id of the line at byte " + r.getLong(0));
        }
        assertEquals("id", first.entry().parameters().idField());
    }

    @Test
    void everyTopListEqualsTheBruteForceReferenceInBothSigns() {
        List<Row> all = rows("SELECT layer, neuron, kind, rank, document, segment, position, activation FROM ex "
                + "WHERE kind IN ('max', 'min') ORDER BY layer, neuron, kind, rank");
        Map<String, List<Row>> lists = all.stream().collect(Collectors.groupingBy(r -> r.getInt(0) + "/"
                + r.getInt(1) + "/" + r.getString(2)));
        assertEquals(2 * 2 * 24, lists.size(), "every neuron of both layers has both lists");
        for (int layer = 0; layer < 2; layer++) {
            double tol = 1e-4 * reference.maxAbs(layer);
            for (int n = 0; n < 24; n++) {
                for (boolean largest : new boolean[] {true, false}) {
                    List<ReferenceExamples.Top> expected = reference.top(layer, n, TOP, largest);
                    List<Row> actual = lists.get(layer + "/" + n + "/" + (largest ? "max" : "min"));
                    assertEquals(expected.size(), actual.size());
                    for (int r = 0; r < expected.size(); r++) {
                        ReferenceExamples.Top e = expected.get(r);
                        Row a = actual.get(r);
                        String where = "layer " + layer + " neuron " + n + (largest ? " max" : " min") + " rank "
                                + (r + 1);
                        assertEquals(e.value(), a.getFloat(7), tol, where);
                        boolean tied = (r > 0 && Math.abs(expected.get(r - 1).value() - e.value()) < tol)
                                || (r + 1 < expected.size() && Math.abs(expected.get(r + 1).value() - e.value())
                                < tol);
                        if (!tied) {
                            assertEquals(e.document() + "/" + e.segment() + "/" + e.position(), a.getLong(4) + "/"
                                    + a.getInt(5) + "/" + a.getInt(6), where);
                        }
                    }
                }
            }
        }
    }

    @Test
    void statisticsAndHistogramMatchTheReference() {
        List<Row> stats = rows("SELECT layer, neuron, count, mean, std, min, max, p50, p90, p99, p999, histogram, "
                + "density FROM act ORDER BY layer, neuron");
        assertEquals(48, stats.size());
        for (Row s : stats) {
            int layer = s.getInt(0);
            int n = s.getInt(1);
            double[] v = reference.values(layer, n);
            double tol = 1e-4 * reference.maxAbs(layer);
            String where = "layer " + layer + " neuron " + n;
            assertEquals(v.length, s.getLong(2), where + " count");
            double mean = java.util.Arrays.stream(v).sum() / v.length;
            double var = java.util.Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / v.length;
            assertEquals(mean, s.getDouble(3), tol, where + " mean");
            assertEquals(Math.sqrt(var), s.getDouble(4), tol + 1e-3 * Math.sqrt(var), where + " std");
            assertEquals(v[0], s.getFloat(5), tol, where + " min");
            assertEquals(v[v.length - 1], s.getFloat(6), tol, where + " max");
            double[] qs = {0.5, 0.9, 0.99, 0.999};
            for (int k = 0; k < 4; k++) {
                double exact = v[(int) Math.floor(qs[k] * (v.length - 1))];
                assertEquals(exact, s.getDouble(7 + k), 0.01 * Math.abs(exact) + tol, where + " q" + qs[k]);
            }
            List<Long> h = s.getList(11);
            assertEquals(50, h.size());
            assertEquals(v.length, h.stream().mapToLong(Long::longValue).sum(), where + " histogram total");
            double lo = s.getFloat(5);
            double width = (s.getFloat(6) - lo) / 50;
            for (int b = 0; b < 50; b++) {
                double from = lo + b * width;
                double to = lo + (b + 1) * width;
                // Within 1% (relative) of an edge a value may fall on either side: the sketch's stated accuracy.
                long sure = java.util.Arrays.stream(v).filter(x -> x >= from + 0.01 * Math.abs(from) + tol
                        && x < to - 0.01 * Math.abs(to) - tol).count();
                long maybe = java.util.Arrays.stream(v).filter(x -> x >= from - 0.01 * Math.abs(from) - tol
                        && x <= to + 0.01 * Math.abs(to) + tol).count();
                assertTrue(h.get(b) >= sure && h.get(b) <= maybe, where + " bin " + b + ": " + h.get(b) + " not in ["
                        + sure + ", " + maybe + "]");
            }
            double maxAbs = Math.max(Math.abs(v[0]), Math.abs(v[v.length - 1]));
            double t = 0.1 * maxAbs;
            long above = java.util.Arrays.stream(v).filter(x -> Math.abs(x) > t * 1.01 + tol).count();
            long aboveLoose = java.util.Arrays.stream(v).filter(x -> Math.abs(x) > t * 0.99 - tol).count();
            double density = s.getDouble(12);
            assertTrue(density >= (double) above / v.length - 1e-12 && density <= (double) aboveLoose / v.length
                    + 1e-12, where + " density " + density);
        }
    }

    @Test
    void agreementIsHighForThePlantedNeuronAndLowForTheRest() {
        List<Row> a = rows("SELECT layer, neuron, read_agreement, write_agreement FROM act ORDER BY layer, neuron");
        double others = 0;
        int count = 0;
        for (Row r : a) {
            assertFalse(r.isNullAt(2), "the checkpoint is mapped: agreement is known");
            if (r.getInt(0) == ExampleCorpus.LAYER && r.getInt(1) == ExampleCorpus.NEURON) {
                assertTrue(r.getDouble(2) >= 0.75, "planted neuron reads dog: " + r.getDouble(2));
            } else {
                others += r.getDouble(2);
                count++;
            }
        }
        assertTrue(others / count < 0.3, "unplanted neurons agree by chance only: " + others / count);
    }

    @Test
    void queriesShowEachNeuronsTopExampleWhenTheAtlasHasExamples() throws IOException {
        io.neuronatlas.query.Atlas opened = io.neuronatlas.query.Atlas.open(TestSpark.session(), atlas.toString());
        List<Row> found = opened.findToken(" dog", 50).collectAsList();
        Row planted = found.stream().filter(r -> r.<Integer>getAs("layer") == ExampleCorpus.LAYER
                && r.<Integer>getAs("neuron") == ExampleCorpus.NEURON && r.<String>getAs("matrix").equals("up"))
                .findFirst().orElseThrow(() -> new AssertionError("find-token finds the planted neuron: " + found));
        assertTrue(planted.<String>getAs("example").contains("[ dog]"), planted.<String>getAs("example"));
        String topDocument = rows("SELECT document_id FROM ex WHERE layer = " + ExampleCorpus.LAYER + " AND neuron = "
                + ExampleCorpus.NEURON + " AND kind = 'max' AND rank = 1").get(0).getString(0);
        assertTrue(planted.<String>getAs("example").endsWith(" (id " + topDocument + ")"),
                planted.<String>getAs("example"));
        // The one-off command too: its lookup without Spark (TokenLookup) has no examples to join, so it runs the query.
        assertTrue(io.neuronatlas.query.TokenLookup.open(new org.apache.hadoop.conf.Configuration(), atlas.toString())
                .isEmpty(), "an atlas with examples is answered by Spark");
        io.neuronatlas.testing.Cli.Result oneOff = io.neuronatlas.testing.Cli.run("find-token", "--atlas",
                atlas.toString(), "--format", "csv", " dog");
        assertEquals(0, oneOff.code(), oneOff.err());
        assertTrue(oneOff.out().lines().findFirst().orElseThrow().endsWith(",example"), oneOff.out());
        assertTrue(oneOff.out().contains("[ dog]"), oneOff.out());
        List<Row> top = opened.topNeurons("up", ExampleCorpus.LAYER, 3, 2).collectAsList();
        assertEquals("example", top.get(0).schema().fieldNames()[top.get(0).size() - 1]);
        assertTrue(top.stream().allMatch(r -> r.<String>getAs("example").contains("[")), top.toString());
    }

    static String withoutAgreement(Path atlasDir, String table) {
        List<String> rows = new ArrayList<>();
        for (Row r : TestSpark.session().read().parquet(atlasDir + "/" + table).drop("run", "read_agreement",
                "write_agreement", "read_agreement_min", "write_agreement_min").collectAsList()) {
            rows.add(r.toString());
        }
        rows.sort(null);
        assertTrue(rows.size() >= 48, table + " has a row per neuron at least");
        return String.join("\n", rows);
    }

    @Test
    void sameTablesForManyPartitionsAndAnUnchangedRerunIsANoOp() throws IOException {
        assertTrue(first.ran());
        assertNotNull(first.record());
        ExamplesOutcome again = examine(options(atlas));
        assertFalse(again.ran(), "an unchanged rerun does nothing");
        assertEquals(first.entry().run(), again.entry().run());

        SparkSession spark = TestSpark.session();
        var conf = spark.sparkContext().hadoopConfiguration();
        String key = "mapreduce.input.fileinputformat.split.maxsize";
        String before = conf.get(key);
        Path other = dir.resolve("atlas-split");
        try {
            conf.setLong(key, 300); // many splits of the one file: many tasks
            ExamplesOutcome split = examine(options(other));
            assertTrue(split.record().contains("\"partition\":3"), "the corpus was read in several partitions");
        } finally {
            if (before == null) {
                conf.unset(key);
            } else {
                conf.set(key, before);
            }
        }
        // The second atlas has no map, so no agreement: everything else is the same to the bit.
        for (String table : List.of("neuron_examples", "neuron_activations")) {
            assertEquals(withoutAgreement(atlas, table), withoutAgreement(other, table), table);
        }
    }
}
