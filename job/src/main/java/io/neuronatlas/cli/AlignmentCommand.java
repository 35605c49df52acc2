package io.neuronatlas.cli;

import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.ResultFormat;
import java.io.PrintStream;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scopt.OParser;

/** {@code alignment}: per matrix and layer, how strongly neurons align with the vocabulary. */
final class AlignmentCommand extends QueryCommand {
    @Override
    public String name() {
        return "alignment";
    }

    @Override
    public String summary() {
        return "per matrix and layer: max |score| quantiles, share above a threshold, or a histogram";
    }

    @Override
    String description() {
        return "Summarizes max_abs_score (max |v . U_t| over the vocabulary) per checkpoint, matrix and layer: "
                + "quantiles and the share of neurons above --threshold, or with --bins N a histogram whose bins "
                + "are shared by all layers.";
    }

    @Override
    int defaultLimit() {
        return 1000;
    }

    @Override
    List<OParser<?, Args>> options(Scopt<Args> s) {
        return List.of(
                s.string("threshold", "X", "max |score| above which a neuron counts as aligned (default 10)",
                        (a, v) -> a.values.put("threshold", v)),
                s.integer("bins", "N", "print a histogram with N bins instead of the quantiles",
                        (a, v) -> a.values.put("bins", String.valueOf(v))));
    }

    @Override
    Dataset<Row> query(Atlas atlas, Args a, PrintStream out) {
        if (a.values.containsKey("bins")) {
            return atlas.alignmentHistogram(integer(a, "bins", 20));
        }
        double threshold = Double.parseDouble(a.values.getOrDefault("threshold", "10"));
        if (a.format == ResultFormat.TABLE) {
            out.println("max_abs_score per matrix and layer in " + a.atlas + " (share_above: > " + threshold + "):");
        }
        return atlas.alignment(threshold);
    }
}
