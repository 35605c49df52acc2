package io.neuronatlas.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.checkpoint.synthetic.SyntheticDecoder;
import io.neuronatlas.checkpoint.safetensors.DType;
import io.neuronatlas.checkpoint.RopeScaling;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The examples tests' model and corpus: a small tied Llama whose neuron {@link #NEURON} of layer {@link #LAYER} is
 * planted to fire on " dog" (its gate and up rows are the " dog" embedding's direction, so it reads " dog" after
 * layer 0), a tokenizer_config.json that asks for a BOS token, and a JSON lines corpus of word-salad documents of
 * which a known few contain " dog".
 */
public final class ExampleCorpus {
    public static final int LAYER = 1;
    public static final int NEURON = 7;
    public static final int SEGMENT = 16;
    public static final String[] WORDS = {" cat", " house", " river", " green", " music", " bird", " fish",
            " car", " book", " paper", " happy", " run", " blue", " train", " water", " fire", " song", " red",
            " horse", " Paris"};

    private ExampleCorpus() {
    }

    public static SyntheticDecoder.Written model(Path dir) throws IOException {
        SyntheticDecoder.Written written = new SyntheticDecoder().modelType("llama").layers(2).dModel(64).dMlp(24)
                .heads(4, 2).vocab(300).dtype(DType.F32).tied(true).rope(10000, RopeScaling.NONE).seed(11)
                .plant(new SyntheticDecoder.CausalNeuron(LAYER, NEURON, " dog", " cat", 6.0, 2.0)).write(dir);
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": true, \"bos_token\": \""
                + SyntheticDecoder.BOS + "\"}");
        // Without merges text would encode letter by letter: " dog" must encode as the token the neuron reads.
        List<String> words = new ArrayList<>(List.of(WORDS));
        words.add(" dog");
        io.neuronatlas.checkpoint.synthetic.WordMerges.add(dir.resolve("tokenizer.json"), words);
        return written;
    }


    /**
     * Documents of whole words; documents 2, 5 and 9 contain " dog" once, document 7 twice (in different segments),
     * document 4 is empty; document 9 spans several segments.
     */
    public static List<String> documents() {
        Random r = new Random(5);
        List<String> docs = new ArrayList<>();
        for (int d = 0; d < 12; d++) {
            int words = d == 9 ? 50 : d == 4 ? 0 : 6 + r.nextInt(20);
            StringBuilder b = new StringBuilder();
            for (int w = 0; w < words; w++) {
                boolean dog = (d == 2 && w == 3) || (d == 5 && w == 0) || (d == 9 && w == 33)
                        || (d == 7 && (w == 1 || w == words - 2));
                b.append(dog ? " dog" : WORDS[r.nextInt(WORDS.length)]);
            }
            docs.add(b.toString());
        }
        return docs;
    }

    /** The documents as JSON lines {"id": ..., "text": ...}. */
    public static Path writeJsonLines(Path file, List<String> documents) throws IOException {
        ObjectMapper json = new ObjectMapper();
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < documents.size(); i++) {
            lines.append(json.writeValueAsString(Map.of("id", "doc-" + i, "text", documents.get(i)))).append('\n');
        }
        Files.createDirectories(file.getParent());
        Files.writeString(file, lines.toString(), StandardCharsets.UTF_8);
        return file;
    }
}
