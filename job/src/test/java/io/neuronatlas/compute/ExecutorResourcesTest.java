package io.neuronatlas.compute;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.CheckpointException;
import io.neuronatlas.checkpoint.CheckpointRef;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Executors open a checkpoint once per version of its folder, and refuse one that changed under a run. */
class ExecutorResourcesTest {
    @TempDir
    Path dir;

    private static CheckpointRef spec(Path model, String stamp) {
        return new CheckpointRef(model.toString(), stamp, "xxh64:test");
    }

    @Test
    void sameVersionIsOpenedOnceAndAChangedFolderIsRefused() throws IOException {
        Path model = new SyntheticCheckpoint().layers(1).dModel(32).dMlp(16).vocab(300).write(dir.resolve("m")).dir();
        String planned;
        try (Checkpoint c = Checkpoint.open(model)) {
            planned = c.stamp();
        }
        assertSame(ExecutorResources.checkpoint(spec(model, planned)),
                ExecutorResources.checkpoint(spec(model, planned)));

        Path weights = model.resolve("model.safetensors");
        Files.setLastModifiedTime(weights, FileTime.fromMillis(Files.getLastModifiedTime(weights).toMillis() + 5000));
        ExecutorResources.clear();
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> ExecutorResources.checkpoint(spec(model, planned)));
        assertTrue(e.getMessage().contains("changed after the run was planned"), e.getMessage());
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }
}
