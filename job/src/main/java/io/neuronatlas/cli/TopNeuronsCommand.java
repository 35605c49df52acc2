package io.neuronatlas.cli;

import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.ResultFormat;
import java.io.PrintStream;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scopt.OParser;

/** {@code top-neurons}: the most vocabulary-aligned neurons of one layer. */
final class TopNeuronsCommand extends QueryCommand {
    @Override
    public String name() {
        return "top-neurons";
    }

    @Override
    public String summary() {
        return "the most vocabulary-aligned neurons of a matrix and layer, with their top tokens";
    }

    @Override
    String description() {
        return "Lists the neurons of one matrix and layer with the largest max |score|, per checkpoint, with their "
                + "first tokens in both polarities.";
    }

    @Override
    List<OParser<?, Args>> options(Scopt<Args> s) {
        return List.of(
                s.string("matrix", "gate|up|down", "the MLP matrix", (a, v) -> a.values.put("matrix", v)).required(),
                s.integer("layer", "L", "the layer", (a, v) -> a.values.put("layer", String.valueOf(v))).required(),
                s.integer("tokens", "N", "tokens shown per polarity (default 5)",
                        (a, v) -> a.values.put("tokens", String.valueOf(v))));
    }

    @Override
    Dataset<Row> query(Atlas atlas, Args a, PrintStream out) {
        String matrix = a.values.get("matrix");
        if (!List.of("gate", "up", "down").contains(matrix)) {
            throw new IllegalArgumentException("--matrix must be gate, up or down, found '" + matrix + "'");
        }
        int layer = integer(a, "layer", 0);
        int limit = a.limit > 0 ? a.limit : a.format == ResultFormat.TABLE ? defaultLimit() : Integer.MAX_VALUE;
        if (a.format == ResultFormat.TABLE) {
            out.println("Most vocabulary-aligned " + matrix + " neurons of layer " + layer + " in " + a.atlas + ":");
        }
        return atlas.topNeurons(matrix, layer, limit, integer(a, "tokens", 5));
    }
}
