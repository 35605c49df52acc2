package io.neuronatlas.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.testing.AtlasFiles;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.WeightEdits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The map itself (not only the test-only probe job) cleans up after a Spark job that failed: a shard whose task fails
 * (Spark reports it as a checked SparkException) leaves no file of the failed run behind, the published map stays
 * whole, and the error names the shard and the neuron. Finite weights too large for float32 are such a failure: the
 * map never writes a non-finite score or statistic.
 */
class FailedRunCleanupTest {
    @TempDir
    Path dir;

    @Test
    void aNeuronWhoseScoresOverflowFailsItsShardAndTheRunLeavesNothing() throws IOException {
        Path model = new SyntheticCheckpoint().layers(1).dModel(32).dMlp(32).vocab(300).seed(12)
                .plantDogAndCalifornia().write(dir.resolve("m")).dir();
        Path atlas = dir.resolve("atlas");
        Maps.Builder map = Maps.of(model, atlas).matrices(MlpMatrix.UP).topK(5).shardSize(4).batchSize(2);
        String published = map.run().runId();
        List<Row> before = AtlasFiles.rows(atlas, "neuron_tokens");

        // The largest finite bf16 values: the vector's norm alone, about 1.9e39, is beyond float32.
        WeightEdits.setRow(model.resolve("model.safetensors"), "model.layers.0.mlp.up_proj.weight", 29, 3.3e38f);
        IOException e = assertThrows(IOException.class, map::run);
        String message = e.getMessage();
        assertTrue(message.contains("shard 7 (up layer 0, neurons 28-31)"), message);
        assertTrue(message.contains("up layer 0 neuron 29: norm is Infinity"), message);
        assertTrue(message.contains("overflow float32") && message.contains("row 29 of tensor "
                + "'model.layers.0.mlp.up_proj.weight'"), message);
        assertTrue(e instanceof AtlasWrite.RunFailedException, e.getClass().getName());
        assertEquals("the published map of m is unchanged (the failed run's files were deleted)",
                ((AtlasWrite.RunFailedException) e).note());

        // Seven of the eight shards had committed their files before the eighth failed: all of them are gone.
        assertEquals(AtlasFiles.onlyRun(published), AtlasFiles.mapRunFolders(atlas, "m"));
        assertEquals(before, AtlasFiles.rows(atlas, "neuron_tokens"));
    }
}
