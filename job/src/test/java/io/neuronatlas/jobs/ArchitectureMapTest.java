package io.neuronatlas.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.atlas.RunRecord;
import io.neuronatlas.checkpoint.MlpBlock;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.checkpoint.synthetic.SyntheticFamily;
import io.neuronatlas.compute.ShardReport;
import io.neuronatlas.testing.AtlasReference;
import io.neuronatlas.testing.FamilyModels;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every family's checkpoint, written with its real tensor names, orientations and dtype, maps to the float64
 * reference: every row of both tables for every matrix, layer and expert. A mixture of experts' shards run across
 * expert boundaries (shards of 20 over experts of 16 or 24 neurons), and the planted neurons come out first.
 */
class ArchitectureMapTest {
    static final int TOP_K = 8;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(SyntheticFamily.class)
    void everyNeuronOfEveryMatrixAndExpertMatchesTheReference(SyntheticFamily family) throws IOException {
        SyntheticCheckpoint.Written model = FamilyModels.write(family, dir);
        String name = model.dir().getFileName().toString();
        Path atlas = dir.resolve("atlas");
        RunRecord record = Maps.of(model.dir(), atlas).topK(TOP_K).shardSize(20).batchSize(7).run();

        int checked = 0;
        try (AtlasReference reference = AtlasReference.of(model, false)) {
            for (int layer = 0; layer < 2; layer++) {
                for (MlpBlock block : model.blocks(layer)) {
                    for (MlpMatrix matrix : family.matrices()) {
                        assertEquals(block.width(), reference.check(atlas.toString(), name, matrix, layer,
                                block.expert(), TOP_K), family + " " + matrix + " layer " + layer + " " + block);
                        checked += block.width();
                    }
                }
            }
        }
        assertEquals(record.neurons(), checked, "every mapped neuron checked");
        assertEquals(family.matrices().stream().map(MlpMatrix::label).toList(), record.parameters().matrices(),
                "every matrix the family has, and no other");
        if (family.mixtureOfExperts()) {
            assertTrue(record.shards().stream().map(ShardReport::ranges).anyMatch(r -> r.contains(",")),
                    "some shard holds neurons of two experts: " + record.shards().stream()
                            .map(ShardReport::ranges).toList());
        }

        Row dog = TestSpark.session().sql("SELECT token, neuron_id(matrix, layer, neuron, expert) FROM parquet.`"
                + atlas + "/neuron_tokens` WHERE matrix = 'up' AND layer = 1 AND neuron = 5 AND expert <=> "
                + (family.mixtureOfExperts() ? "'1'" : "NULL") + " AND polarity = '+' AND rank = 1").first();
        assertEquals(" dog", dog.getString(0));
        assertEquals(family.mixtureOfExperts() ? "L1.e1.up.5" : "L1.up.5", dog.getString(1));
        String californiaExpert = FamilyModels.sql(FamilyModels.californiaExpert(family));
        Row california = TestSpark.session().sql("SELECT bottom_token FROM parquet.`" + atlas + "/neurons` WHERE "
                + "matrix = 'down' AND layer = 0 AND neuron = 11 AND expert <=> " + californiaExpert).first();
        assertEquals(" California", california.getString(0));
        if (family == SyntheticFamily.QWEN2_MOE) {
            Row shared = TestSpark.session().sql("SELECT token FROM parquet.`" + atlas + "/neuron_tokens` WHERE "
                    + "matrix = 'gate' AND layer = 1 AND expert = 'shared' AND neuron = 7 AND polarity = '+' "
                    + "AND rank = 1").first();
            assertEquals(" dog", shared.getString(0));
        }
        long experts = TestSpark.session().read().parquet(atlas + "/neurons").select("expert").distinct().count();
        int expected = family == SyntheticFamily.QWEN2_MOE ? 5 : family.mixtureOfExperts() ? 3 : 1;
        assertEquals(expected, experts, "distinct expert values (null counted once)");
        assertNotEquals(0, checked);
    }
}
