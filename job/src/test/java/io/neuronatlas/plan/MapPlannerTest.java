package io.neuronatlas.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.compute.device.DeviceMode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The map's options are checked where the flags come in, and the plan is what map and inspect both run. */
class MapPlannerTest {
    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void write() throws IOException {
        model = new SyntheticCheckpoint().layers(3).dModel(32).dMlp(96).vocab(300).seed(2).plantDogAndCalifornia()
                .write(dir.resolve("tiny")).dir();
    }

    @Test
    void badOptionsAreRefusedBeforeAnythingIsRead() {
        MapOptions.Builder base = MapOptions.builder(dir.resolve("missing"), "atlas");
        var negative = assertThrows(IllegalArgumentException.class, () -> base.shardSize(-5).build());
        assertTrue(negative.getMessage().contains("--shard-size must be positive"), negative.getMessage());
        var name = assertThrows(IllegalArgumentException.class,
                () -> MapOptions.builder(model, "atlas").checkpoint("has space").build());
        assertTrue(name.getMessage().contains("checkpoint name 'has space'"), name.getMessage());
        var topK = assertThrows(IllegalArgumentException.class,
                () -> MapOptions.builder(model, "atlas").topK(0).build());
        assertTrue(topK.getMessage().contains("--top-k"), topK.getMessage());
        var batch = assertThrows(IllegalArgumentException.class,
                () -> MapOptions.builder(model, "atlas").batchSize(0).build());
        assertTrue(batch.getMessage().contains("--batch-size"), batch.getMessage());
        var matrices = assertThrows(IllegalArgumentException.class,
                () -> MapOptions.builder(model, "atlas").matrices("up,middle").build());
        assertTrue(matrices.getMessage().contains("middle"), matrices.getMessage());
    }

    @Test
    void theDefaultsAreTheCommandsAndTheNameIsTheFoldersName() throws IOException {
        MapOptions options = MapOptions.builder(model, "atlas").build();
        assertEquals("tiny", options.checkpoint());
        assertEquals(List.of(), options.matrices(), "by default, every matrix the model has");
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            assertEquals(List.of(MlpMatrix.GATE, MlpMatrix.UP, MlpMatrix.DOWN),
                    MapPlanner.plan(checkpoint, options, false).matrices());
        }
        assertEquals(MapOptions.DEFAULT_TOP_K, options.topK());
        assertEquals(MapOptions.DEFAULT_BATCH_SIZE, options.batchSize());
        assertEquals(DeviceMode.AUTO, options.device());
    }

    @Test
    void shardsAreSizedForTheDeviceTheExecutorsWillUse() throws IOException {
        MapOptions options = MapOptions.builder(model, "atlas").matrices("down,up").layers("1-2").watch(" dog")
                .build();
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            MapPlan gpu = MapPlanner.plan(checkpoint, options, true);
            assertEquals(96, gpu.shardSize(), "a GPU takes whole layers");
            assertEquals(4, gpu.shards().size());
            assertEquals(List.of(MlpMatrix.UP, MlpMatrix.DOWN), gpu.matrices(), "gate, up, down order");
            assertEquals(List.of(1, 2), gpu.layers());
            assertEquals(4L * 96, gpu.neurons());
            assertEquals(List.of(checkpoint.tokens().idOf(" dog").orElseThrow()), gpu.watchTokenIds());
            assertEquals(List.of(" dog"), gpu.outputParameters().watch());
            MapPlan sized = MapPlanner.plan(checkpoint, MapOptions.builder(model, "atlas").shardSize(10).build(),
                    true);
            assertEquals(3 * 3 * 10, sized.shards().size(), "96 neurons in shards of 10: 10 per matrix and layer");
        }
    }

    @Test
    void aTokenOutsideTheVocabularyOrATopKAboveItIsRefusedWhilePlanning() throws IOException {
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            var watch = assertThrows(IllegalArgumentException.class, () -> MapPlanner.plan(checkpoint,
                    MapOptions.builder(model, "atlas").watch(" zebra-not-a-token").build(), false));
            assertTrue(watch.getMessage().contains("--watch ' zebra-not-a-token' is not one token"),
                    watch.getMessage());
            var topK = assertThrows(IllegalArgumentException.class, () -> MapPlanner.plan(checkpoint,
                    MapOptions.builder(model, "atlas").topK(301).build(), false));
            assertTrue(topK.getMessage().contains("vocabulary size 300"), topK.getMessage());
        }
    }
}
