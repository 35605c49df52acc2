package io.neuronatlas.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.jobs.MapOutcome.Status;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An up-to-date check confirms that the published run is whole: its folders hold exactly the files the run
 * committed, by name and size. A file added (as a query's INSERT INTO the views did), removed (INSERT OVERWRITE) or
 * changed makes the next map remap the checkpoint, saying why.
 */
class PublishedRunIntactTest {
    @TempDir
    Path dir;

    private Maps.Builder map(Path model) {
        return Maps.of(model, dir.resolve("atlas")).matrices(MlpMatrix.UP).topK(4).shardSize(8);
    }

    private Path model() throws IOException {
        return new SyntheticCheckpoint().layers(1).dModel(32).dMlp(16).vocab(300).seed(8).write(dir.resolve("m"))
                .dir();
    }

    private Path published(String table, String run) {
        return dir.resolve("atlas").resolve(table).resolve("checkpoint=m").resolve("run=" + run);
    }

    private static Path aParquetFileIn(Path folder) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().findFirst()
                    .orElseThrow();
        }
    }

    private long neurons() throws IOException {
        Atlas.open(TestSpark.session(), dir.resolve("atlas").toString());
        return TestSpark.session().sql("SELECT count(*) FROM neurons").first().getLong(0);
    }

    @Test
    void aFileAddedToThePublishedRunIsSeenAndTheCheckpointRemapped() throws IOException {
        Path model = model();
        String run = map(model).run().runId();
        assertEquals(Status.UP_TO_DATE, map(model).outcome().status(), "a whole run is up to date");
        // What `sql "INSERT INTO neurons SELECT * FROM neurons"` did before sql was read-only: a new file of rows.
        Path file = aParquetFileIn(published("neurons", run));
        Files.copy(file, file.resolveSibling("part-00000-inserted.snappy.parquet"));
        assertEquals(16 + 8, neurons(), "the views now show the 8 neurons of the copied shard file twice");

        MapOutcome again = map(model).outcome();
        assertEquals(Status.MAPPED, again.status());
        assertTrue(again.reason().startsWith("published run " + run + " is damaged (neurons/checkpoint=m/run=" + run
                + "/matrix=up/layer=0/part-00000-inserted.snappy.parquet was added"), again.reason());
        assertNotEquals(run, again.entry().run());
        assertEquals(16, neurons(), "the remap's views show each neuron once");
        assertEquals(Status.UP_TO_DATE, map(model).outcome().status());
    }

    @Test
    void aFileRemovedOrChangedIsSeenToo() throws IOException {
        Path model = model();
        String run = map(model).run().runId();
        Path tokens = aParquetFileIn(published("tokens", run));
        Files.delete(tokens);
        MapOutcome removed = map(model).outcome();
        assertEquals(Status.MAPPED, removed.status());
        assertTrue(removed.reason().contains("tokens/checkpoint=m/run=" + run + "/part-00000.zstd.parquet is missing"),
                removed.reason());

        String second = removed.entry().run();
        Path rows = aParquetFileIn(published("neuron_tokens", second));
        long size = Files.size(rows);
        Files.write(rows, new byte[] {0}, StandardOpenOption.APPEND);
        MapOutcome changed = map(model).outcome();
        assertEquals(Status.MAPPED, changed.status());
        assertTrue(changed.reason().contains("has " + (size + 1) + " bytes, not " + size), changed.reason());
    }

    @Test
    void aRunWithoutAListOfItsFilesIsRemappedOnce() throws IOException {
        Path model = model();
        String run = map(model).run().runId();
        Files.delete(published("runs", run).resolve("_files.json"));
        MapOutcome older = map(model).outcome();
        assertEquals(Status.MAPPED, older.status());
        assertTrue(older.reason().contains("has no list of its files"), older.reason());
        assertEquals(List.of(Status.UP_TO_DATE), List.of(map(model).outcome().status()));
    }
}
