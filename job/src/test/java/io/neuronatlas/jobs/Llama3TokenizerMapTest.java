package io.neuronatlas.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.PlantedNeuron;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.testing.AtlasReference;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.SharedFiles;
import io.neuronatlas.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Llama-3 vocabulary (128,256 ids) with synthetic weights: the planted " dog" neuron is found under the
 * token ids and strings Llama-3 really uses. Runs where ../shared exists (always in CI); skipped, saying so,
 * elsewhere, since the tokenizer may not be copied into this repository.
 */
class Llama3TokenizerMapTest {
    @TempDir
    Path dir;

    @Test
    void dogNeuronUnderTheRealLlama3Vocabulary() throws IOException {
        Path tokenizer = SharedFiles.llama3Tokenizer();
        SyntheticCheckpoint.Written model = new SyntheticCheckpoint().layers(1).dModel(128).dMlp(24).seed(5)
                .tokenizer(tokenizer, 128_256).plant(PlantedNeuron.dog(0, 9)).plant(PlantedNeuron.antiCalifornia(0, 4))
                .write(dir.resolve("llama3-shaped"));
        Path atlas = dir.resolve("atlas");
        Maps.of(model.dir(), atlas).matrices(MlpMatrix.UP, MlpMatrix.DOWN).shardSize(8).run();

        List<Row> top = TestSpark.session().sql("SELECT token_id, token FROM parquet.`" + atlas + "/neuron_tokens` "
                + "WHERE matrix = 'up' AND neuron = 9 AND polarity = '+' AND rank <= 2 ORDER BY rank").collectAsList();
        assertEquals(5679, top.get(0).getInt(0));
        assertEquals(" dog", top.get(0).getString(1));
        assertEquals(42289, top.get(1).getInt(0));
        assertEquals(" puppy", top.get(1).getString(1));
        Row california = TestSpark.session().sql("SELECT bottom_token FROM parquet.`" + atlas + "/neurons` "
                + "WHERE matrix = 'down' AND neuron = 4").first();
        assertEquals(" California", california.getString(0));
        try (AtlasReference reference = new AtlasReference(model.dir(), "lm_head.weight", null)) {
            assertEquals(24, reference.check(atlas.toString(), "llama3-shaped", MlpMatrix.UP, 0, 20));
        }
    }
}
