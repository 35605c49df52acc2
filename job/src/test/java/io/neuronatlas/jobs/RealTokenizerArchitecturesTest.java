package io.neuronatlas.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.PlantedNeuron;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.checkpoint.synthetic.SyntheticFamily;
import io.neuronatlas.testing.AtlasReference;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.SharedFiles;
import io.neuronatlas.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each family with the real vocabulary of its tokenizer and its real vocab_size (LM head rows): the planted " dog"
 * neuron is found under the id that vocabulary gives " dog", and the planted MLP's rows match the reference. GPT-2's
 * byte-level vocabulary is the GPT-NeoX file's (committed); the others come from ../shared/tokenizers, and their
 * cases skip, saying so, where it is absent (CI always has it). OLMo-2 and Gemma 1/2, whose tokenizers are not
 * there, are covered with a synthetic vocabulary by {@link ArchitectureMapTest}.
 */
class RealTokenizerArchitecturesTest {
    /** " dog" first, " cat" second: every one of these vocabularies has both words (Mistral's lacks " puppy"). */
    private static Map<String, Double> dogAndCat() {
        Map<String, Double> weights = new LinkedHashMap<>();
        weights.put(" dog", 1.0);
        weights.put(" cat", 0.7);
        return weights;
    }

    @TempDir
    Path dir;

    static Stream<Arguments> families() {
        return Stream.of(
                arguments(SyntheticFamily.GPT2, "gpt-neox", 50_257, 4370),
                arguments(SyntheticFamily.GPT_NEOX, "gpt-neox", 50_304, 4370),
                arguments(SyntheticFamily.QWEN3, "qwen3", 151_936, 5562),
                arguments(SyntheticFamily.QWEN2_MOE, "qwen3", 151_936, 5562),
                arguments(SyntheticFamily.QWEN3_MOE, "qwen3", 151_936, 5562),
                arguments(SyntheticFamily.GEMMA3_TEXT, "gemma3", 262_144, 4799),
                // The published multimodal configs leave vocab_size out of text_config: Gemma3TextConfig's 262,208.
                arguments(SyntheticFamily.GEMMA3, "gemma3", 262_208, 4799),
                arguments(SyntheticFamily.MIXTRAL, "mistral", 32_000, 3914),
                arguments(SyntheticFamily.PHI3, "mistral", 32_064, 3914),
                arguments(SyntheticFamily.GPT_OSS, "gptoss", 201_088, 6446));
    }

    private static Path tokenizer(String name) {
        return name.equals("gpt-neox") ? SharedFiles.gptNeoxTokenizer()
                : SharedFiles.sharedFile("tokenizers/" + name + "/tokenizer.json", name + " tokenizer");
    }

    @ParameterizedTest(name = "{0} with the {1} vocabulary")
    @MethodSource("families")
    void dogNeuronUnderTheFamilysRealVocabulary(SyntheticFamily family, String vocabulary, int vocab, int dogId)
            throws IOException {
        String expert = family.mixtureOfExperts() ? "1" : null;
        SyntheticCheckpoint.Written model = new SyntheticCheckpoint().family(family).tokenizer(tokenizer(vocabulary),
                vocab).layers(1).dModel(128).dMlp(8).experts(2).expertDMlp(8).sharedExpertDMlp(8).seed(3)
                .plant(new PlantedNeuron(MlpMatrix.UP, 0, expert, 3, dogAndCat()))
                .write(dir.resolve(family.name().toLowerCase(Locale.ROOT)));
        Path atlas = dir.resolve("atlas");
        Maps.of(model.dir(), atlas).matrices(MlpMatrix.UP).topK(5).run();

        List<Row> top = TestSpark.session().sql("SELECT token_id, token FROM parquet.`" + atlas + "/neuron_tokens` "
                + "WHERE matrix = 'up' AND neuron = 3 AND expert <=> " + (expert == null ? "NULL" : "'1'")
                + " AND polarity = '+' AND rank <= 2 ORDER BY rank").collectAsList();
        assertEquals(dogId, top.get(0).getInt(0));
        assertEquals(" dog", top.get(0).getString(1));
        assertEquals(" cat", top.get(1).getString(1));
        try (AtlasReference reference = AtlasReference.of(model, false)) {
            assertEquals(8, reference.check(atlas.toString(), model.dir().getFileName().toString(), MlpMatrix.UP, 0,
                    expert, 5));
        }
    }
}
