package io.neuronatlas.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.checkpoint.RopeScaling;
import io.neuronatlas.checkpoint.safetensors.DType;
import io.neuronatlas.checkpoint.synthetic.SyntheticDecoder;
import io.neuronatlas.checkpoint.synthetic.WordMerges;
import io.neuronatlas.cli.Command;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code examples-demo DIR}: what notebook 05 and CI examine: a small Llama (DIR/tiny-decoder) whose neuron 7 of
 * layer 1 is planted to fire on " dog" (its gate and up rows are " dog"'s embedding direction; it writes " cat"),
 * with BPE merges so that the corpus's words encode as whole tokens and a tokenizer_config.json asking for BOS, and a
 * corpus of word-salad documents of which some contain " dog" (DIR/corpus.jsonl).
 */
final class ExamplesDemoCommand implements Command {
    static final int LAYER = 1;
    static final int NEURON = 7;
    static final List<String> WORDS = List.of(" cat", " house", " river", " green", " music", " bird", " fish",
            " car", " book", " paper", " happy", " run", " blue", " train", " water", " fire", " song", " red",
            " horse", " Paris");

    @Override
    public String name() {
        return "examples-demo";
    }

    @Override
    public String summary() {
        return "write the planted-dog decoder and corpus that notebook 05 examines (DIR)";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        String usage = "Usage: neuron-atlas-bench examples-demo DIR\n  " + summary();
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            out.println(usage);
            return 0;
        }
        if (args.length != 1 || args[0].startsWith("-")) {
            err.println(usage);
            return 2;
        }
        Path dir = Path.of(args[0]);
        Path model = dir.resolve("tiny-decoder");
        SyntheticDecoder.Written written = new SyntheticDecoder().modelType("llama").layers(2).dModel(64).dMlp(32)
                .heads(4, 2).vocab(300).dtype(DType.F32).tied(true).rope(10000, RopeScaling.NONE).seed(11)
                .plant(new SyntheticDecoder.CausalNeuron(LAYER, NEURON, " dog", " cat", 6.0, 2.0)).write(model);
        Files.writeString(model.resolve("tokenizer_config.json"), "{\"add_bos_token\": true, \"bos_token\": \""
                + SyntheticDecoder.BOS + "\"}");
        List<String> words = new ArrayList<>(WORDS);
        words.add(" dog");
        WordMerges.add(model.resolve("tokenizer.json"), words);
        Random r = new Random(5);
        ObjectMapper json = new ObjectMapper();
        StringBuilder lines = new StringBuilder();
        for (int d = 0; d < 200; d++) {
            StringBuilder text = new StringBuilder();
            for (int w = 0, n = 8 + r.nextInt(40); w < n; w++) {
                text.append(r.nextInt(60) == 0 ? " dog" : WORDS.get(r.nextInt(WORDS.size())));
            }
            lines.append(json.writeValueAsString(Map.of("id", "doc-" + d, "text", text.toString()))).append('\n');
        }
        Files.writeString(dir.resolve("corpus.jsonl"), lines);
        out.println("examples-demo: " + model + " (planted: layer " + LAYER + ", neuron " + NEURON + " fires on "
                + "\" dog\", id " + written.id(" dog") + ") and " + dir.resolve("corpus.jsonl"));
        return 0;
    }
}
