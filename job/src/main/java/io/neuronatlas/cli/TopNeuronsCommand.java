package io.neuronatlas.cli;

import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.ResultFormat;
import java.io.PrintStream;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scopt.OParser;

/** {@code top-neurons}: the most vocabulary-aligned neurons of one layer. */
final class TopNeuronsCommand extends QueryCommand<TopNeuronsCommand.Args> {
    static final int DEFAULT_TOKENS = 5;

    static final class Args extends QueryCommand.Args {
        String matrix;
        int layer;
        int tokens = DEFAULT_TOKENS;
    }

    TopNeuronsCommand() {
        super("top-neurons", "the most vocabulary-aligned neurons of a matrix and layer, with their top tokens",
                "Lists the neurons of one matrix and layer with the largest max |score|, per checkpoint, with their "
                + "first tokens in both polarities.",
                20, Args::new);
    }

    @Override
    List<OParser<?, Args>> options(Scopt<Args> s) {
        return List.of(
                s.string("matrix", "gate|up|down", "the MLP matrix", (a, v) -> a.matrix = v).required(),
                s.integer("layer", "L", "the layer", (a, v) -> a.layer = v).required(),
                s.integer("tokens", "N", "tokens shown per polarity (default " + DEFAULT_TOKENS + ")",
                        (a, v) -> a.tokens = v));
    }

    private static MlpMatrix matrix(String label) {
        try {
            return MlpMatrix.fromLabel(label);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--matrix must be gate, up or down, found '" + label + "'", e);
        }
    }

    @Override
    Dataset<Row> query(Atlas atlas, Args a, PrintStream out) {
        String matrix = matrix(a.matrix).label();
        if (a.format == ResultFormat.TABLE) {
            out.println("Most vocabulary-aligned " + matrix + " neurons of layer " + a.layer + " in " + a.atlas
                    + ":");
        }
        return atlas.topNeurons(matrix, a.layer, rowsWanted(a), a.tokens);
    }
}
