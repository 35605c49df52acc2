package io.neuronatlas.cli;

import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.ResultFormat;
import java.io.PrintStream;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scopt.OParser;

/** {@code alignment}: per matrix and layer, how strongly neurons align with the vocabulary. */
final class AlignmentCommand extends QueryCommand<AlignmentCommand.Args> {
    static final double DEFAULT_THRESHOLD = 10;

    static final class Args extends QueryCommand.Args {
        double threshold = DEFAULT_THRESHOLD;
        /** Null: quantiles; else a histogram of this many bins. */
        Integer bins;
    }

    AlignmentCommand() {
        super("alignment", "per matrix and layer: max |score| quantiles, share above a threshold, or a histogram",
                "Summarizes max_abs_score (max |v . U_t| over the vocabulary) per checkpoint, matrix and layer: "
                + "quantiles and the share of neurons above --threshold, or with --bins N a histogram whose bins "
                + "are shared by all layers.",
                1000, Args::new);
    }

    @Override
    List<OParser<?, Args>> options(Scopt<Args> s) {
        return List.of(
                s.decimal("threshold", "X", "max |score| above which a neuron counts as aligned (default "
                        + DEFAULT_THRESHOLD + ")", (a, v) -> a.threshold = v),
                s.integer("bins", "N", "print a histogram with N bins instead of the quantiles",
                        (a, v) -> a.bins = v));
    }

    @Override
    Dataset<Row> query(Atlas atlas, Args a, PrintStream out) {
        if (a.bins != null) {
            return atlas.alignmentHistogram(a.bins);
        }
        if (a.format == ResultFormat.TABLE) {
            out.println("max_abs_score per matrix and layer in " + a.atlas + " (share_above: > " + a.threshold
                    + "):");
        }
        return atlas.alignment(a.threshold);
    }
}
