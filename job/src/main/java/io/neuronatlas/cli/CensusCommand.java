package io.neuronatlas.cli;

import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.ResultFormat;
import java.io.PrintStream;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scopt.OParser;

/** {@code census}: per layer, Gurnee et al.'s prediction and suppression neurons; or the neurons of one class. */
final class CensusCommand extends QueryCommand<CensusCommand.Args> {
    static final class Args extends QueryCommand.Args {
        String checkpoint;
        /** Null: the per-layer census; else the neurons of this class. */
        String neurons;
    }

    CensusCommand() {
        super("census", "per layer: prediction and suppression neurons (Gurnee et al.) and kurtosis quantiles",
                "Counts, per checkpoint and layer, the down_proj neurons whose cosines with the unembedding rows "
                + "have a Pearson kurtosis above the map's --census-kurtosis: prediction neurons (positive skew) "
                + "and suppression neurons (negative skew), their shares, and the kurtosis quantiles. With "
                + "--neurons CLASS, lists that class's neurons, the most heavy-tailed first.",
                1000, Args::new);
    }

    @Override
    List<OParser<?, Args>> options(Scopt<Args> s) {
        return List.of(
                s.string("checkpoint", "NAME", "one checkpoint (default: every one)", (a, v) -> a.checkpoint = v),
                s.string("neurons", "prediction|suppression", "list the neurons of this class instead",
                        (a, v) -> a.neurons = v));
    }

    @Override
    Dataset<Row> query(Atlas atlas, Args a, PrintStream out) {
        // The query first: a checkpoint it refuses is an error before any line is printed.
        Dataset<Row> rows = a.neurons != null ? atlas.censusNeurons(a.neurons, a.checkpoint) : atlas.census(a.checkpoint);
        if (a.format == ResultFormat.TABLE) {
            out.println(a.neurons != null ? a.neurons + " neurons in " + a.atlas + ", the most heavy-tailed first:"
                    : "prediction and suppression neurons (down_proj) per layer in " + a.atlas + ":");
        }
        return rows;
    }
}
