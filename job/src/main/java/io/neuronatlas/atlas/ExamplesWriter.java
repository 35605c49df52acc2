package io.neuronatlas.atlas;

import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.compute.examples.Example;
import io.neuronatlas.compute.examples.NeuronSummary;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Writes one merged block of neurons of one layer: its rows of neuron_examples and neuron_activations, one file each
 * ({@code TABLE/checkpoint=C/run=R/layer=L/part-BLOCK.zstd.parquet}), through {@link TableFile} (hidden attempt
 * names, renamed on commit).
 */
public final class ExamplesWriter {
    private ExamplesWriter() {
    }

    /** A neuron's agreement with its map, each null when not known: over its max and its min examples. */
    public record Agreement(Double read, Double write, Double readMin, Double writeMin) implements java.io.Serializable {
    }

    /** The files one block's write commits, relative to the atlas. */
    public static List<String> files(String checkpoint, String run, int layer, int block) {
        List<String> files = new ArrayList<>();
        for (String table : ExamplesTables.TABLES) {
            files.add(table + "/" + folder(checkpoint, run, layer) + "/" + fileName(block));
        }
        return files;
    }

    private static String folder(String checkpoint, String run, int layer) {
        return AtlasPaths.runPath(checkpoint, run) + "/layer=" + layer;
    }

    static String fileName(int block) {
        return String.format(Locale.ROOT, "part-%05d.zstd.parquet", block);
    }

    public static void write(Configuration conf, String atlas, String checkpoint, String run, int layer, int block,
                             long attempt, List<NeuronSummary> neurons, TokenTable tokens,
                             Map<String, Agreement> agreement) throws IOException {
        String folder = folder(checkpoint, run, layer);
        try (TableFile examples = TableFile.open(conf, new Path(new Path(atlas, ExamplesTables.NEURON_EXAMPLES),
                folder), fileName(block), attempt, ExamplesTables.NEURON_EXAMPLES_FILE, TokenLayout.LOOKUP,
                UnaryOperator.identity());
             TableFile stats = TableFile.open(conf, new Path(new Path(atlas, ExamplesTables.NEURON_ACTIVATIONS),
                     folder), fileName(block), attempt, ExamplesTables.NEURON_ACTIVATIONS_FILE, TokenLayout.LOOKUP,
                     UnaryOperator.identity())) {
            for (NeuronSummary s : neurons) {
                writeExamples(examples, s, ExamplesTables.MAX, s.largest(), tokens);
                writeExamples(examples, s, ExamplesTables.MIN, s.smallest(), tokens);
                for (int b = 0; b < s.bands().size(); b++) {
                    writeExamples(examples, s, NeuronSummary.BAND_NAMES.get(b), s.bands().get(b), tokens);
                }
                Agreement a = agreement.getOrDefault(key(layer, s.expert(), s.neuron()),
                        new Agreement(null, null, null, null));
                stats.write(f -> f.addNullable(s.expert()).add(s.neuron()).add(s.count()).add(s.mean()).add(s.std()).add(s.min())
                        .add(s.max()).add(s.quantiles()[0]).add(s.quantiles()[1]).add(s.quantiles()[2])
                        .add(s.quantiles()[3]).addList(s.histogram()).add(s.density()).addNullable(a.read())
                        .addNullable(a.write()).addNullable(a.readMin()).addNullable(a.writeMin()));
            }
            examples.commit();
            stats.commit();
        }
    }

    /** The key of a neuron in agreement maps: "layer/expert/neuron" (expert null for a dense MLP). */
    public static String key(int layer, String expert, int neuron) {
        return layer + "/" + expert + "/" + neuron;
    }

    private static void writeExamples(TableFile file, NeuronSummary s, String kind, List<Example> examples,
                                      TokenTable tokens) throws IOException {
        for (int r = 0; r < examples.size(); r++) {
            Example e = examples.get(r);
            int rank = r + 1;
            String[] texts = new String[e.tokens().length];
            for (int i = 0; i < texts.length; i++) {
                texts[i] = tokens.token(e.tokens()[i]);
            }
            int next = e.nextToken();
            file.write(f -> f.addNullable(s.expert()).add(s.neuron()).add(kind).add(rank).add(e.value()).add(e.file()).add(e.document())
                    .addNullable(e.documentId()).add(e.segment()).add(e.position()).add(e.docPosition()).add(e.token())
                    .add(tokens.token(e.token())).addNullable(next < 0 ? null : next).add(e.windowStart())
                    .addList(e.tokens()).addList(texts).addList(e.activations()));
        }
    }
}
