package io.neuronatlas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.atlas.Catalog;
import io.neuronatlas.atlas.CheckpointEntry;
import io.neuronatlas.atlas.OutputKind;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.testing.AtlasReference;
import io.neuronatlas.testing.Cli.Result;
import io.neuronatlas.testing.Cli;
import io.neuronatlas.testing.TestSpark;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code map --models-dir}: new and changed checkpoints are mapped, the rest skipped, a bad one reported. */
class ModelsDirTest {
    @TempDir
    Path dir;

    private static void assertLine(String out, String checkpoint, String status) {
        assertTrue(Pattern.compile("(?m)^" + Pattern.quote(checkpoint) + " +" + Pattern.quote(status) + " ")
                .matcher(out).find(), "no summary line '" + checkpoint + " " + status + "' in:\n" + out);
    }

    @Test
    void threeCheckpointsOneCorruptTwoMappedOneFailedThenUpToDate() throws IOException {
        Path models = dir.resolve("models");
        SyntheticCheckpoint shape = new SyntheticCheckpoint().layers(2).dModel(32).dMlp(32).vocab(300);
        shape.seed(1).write(models.resolve("checkpoint-1000"));
        shape.seed(2).write(models.resolve("checkpoint-2000"));
        Path corrupt = shape.seed(3).write(models.resolve("checkpoint-3000")).dir();
        try (RandomAccessFile f = new RandomAccessFile(corrupt.resolve("model.safetensors").toFile(), "rw")) {
            f.setLength(100); // the header says more bytes follow than the file has
        }
        Files.createDirectories(models.resolve("notes")); // no config.json: not a checkpoint
        Path atlas = dir.resolve("atlas");
        String[] command = {"map", "--models-dir", models.toString(), "--out", atlas.toString(), "--matrices",
            "up", "--top-k", "5"};

        Result first = Cli.run(command);
        assertEquals(1, first.code(), "a failed checkpoint makes the exit code non-zero:\n" + first.out());
        assertTrue(first.out().contains("2 mapped, 0 up to date, 1 failed"), first.out());
        assertLine(first.out(), "checkpoint-1000", "mapped");
        assertLine(first.out(), "checkpoint-2000", "mapped");
        assertLine(first.out(), "checkpoint-3000", "failed");
        assertTrue(Pattern.compile("(?m)^checkpoint-3000 +failed .*model\\.safetensors").matcher(first.out()).find(),
                "the failure names the file at fault:\n" + first.out());
        assertTrue(!first.out().contains("notes"), first.out());

        List<CheckpointEntry> entries = new Catalog(TestSpark.session().sparkContext().hadoopConfiguration(),
                atlas.toString(), OutputKind.MAP).readAll(CheckpointEntry.class);
        assertEquals(List.of("checkpoint-1000", "checkpoint-2000"), entries.stream()
                .map(CheckpointEntry::checkpoint).toList());
        for (String name : List.of("checkpoint-1000", "checkpoint-2000")) {
            try (AtlasReference reference = new AtlasReference(models.resolve(name), "lm_head.weight", null)) {
                assertEquals(32, reference.check(atlas.toString(), name, MlpMatrix.UP, 1, 5));
            }
        }

        // The cron job's next run: nothing changed but the corrupt folder is still corrupt.
        Result second = Cli.run(command);
        assertEquals(1, second.code());
        assertTrue(second.out().contains("0 mapped, 2 up to date, 1 failed"), second.out());

        // Repaired: the third is mapped, the other two stay up to date, and the exit code is 0.
        shape.seed(3).write(corrupt);
        Result third = Cli.run(command);
        assertEquals(0, third.code(), third.out());
        assertTrue(third.out().contains("1 mapped, 2 up to date, 0 failed"), third.out());
        assertLine(third.out(), "checkpoint-3000", "mapped");
    }

    @Test
    void modelAndModelsDirAreExclusive() {
        Result both = Cli.run("map", "--model", "a", "--models-dir", "b", "--out", "x");
        assertEquals(2, both.code());
        assertTrue(both.err().contains("either --model DIR"), both.err());
        Result neither = Cli.run("map", "--out", "x");
        assertEquals(2, neither.code());
        Result named = Cli.run("map", "--models-dir", "b", "--checkpoint", "c", "--out", "x");
        assertEquals(2, named.code());
        assertTrue(named.err().contains("named after its folder"), named.err());
    }
}
