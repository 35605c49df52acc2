package io.neuronatlas.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.atlas.RunRecord;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.safetensors.DType;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint.HeadLayout;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.testing.AtlasReference;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every storage layout a Llama checkpoint comes in maps to the reference's numbers. */
class CheckpointLayoutsTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}, {1} file(s), head {2}, fold-norm {3}")
    @CsvSource({
        "BF16, 1, UNTIED, false",
        "F16, 1, TIED, false",
        "F32, 3, UNTIED, false",
        "BF16, 2, ABSENT, false",
        "F32, 1, UNTIED, true",
    })
    void layoutMapsToTheReference(DType dtype, int files, HeadLayout head, boolean foldNorm) throws IOException {
        SyntheticCheckpoint.Written model = new SyntheticCheckpoint().layers(2).dModel(32).dMlp(48).vocab(400)
                .dtype(dtype).files(files).head(head).seed(11).plantDogAndCalifornia().write(dir.resolve("m"));
        if (files > 1) {
            assertTrue(Files.exists(model.dir().resolve("model.safetensors.index.json")));
        }
        Path atlas = dir.resolve("atlas");
        RunRecord record = Maps.of(model.dir(), atlas).matrices(MlpMatrix.UP, MlpMatrix.DOWN).layers("1")
                .foldNorm(foldNorm).topK(10).run();
        String headTensor = head == HeadLayout.UNTIED ? "lm_head.weight" : "model.embed_tokens.weight";
        assertEquals(headTensor, record.parameters().lmHeadTensor());
        float[] norm = foldNorm ? AtlasReference.finalNorm(model.dir()) : null;
        try (AtlasReference reference = new AtlasReference(model.dir(), headTensor, norm)) {
            assertEquals(48, reference.check(atlas.toString(), "m", MlpMatrix.UP, 1, 10));
            assertEquals(48, reference.check(atlas.toString(), "m", MlpMatrix.DOWN, 1, 10));
        }
        long layers = TestSpark.session().read().parquet(atlas + "/neurons").select("layer").distinct().count();
        assertEquals(1, layers);
    }
}
