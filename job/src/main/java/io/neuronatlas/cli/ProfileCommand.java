package io.neuronatlas.cli;

import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.ResultFormat;
import java.io.PrintStream;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import scopt.OParser;

/** {@code profile}: a watched token's normalized probability for every neuron (the paper's Figure 2). */
final class ProfileCommand extends QueryCommand<ProfileCommand.Args> {
    static final class Args extends QueryCommand.Args {
        String token;
    }

    ProfileCommand() {
        super("profile", "a watched token's score, prob and normalized_prob for every neuron (map --watch)",
                "Prints TOKEN's values for every neuron, from the token_profiles table that 'map --watch TOKEN' "
                + "writes. As a table the neurons with the largest normalized_prob come first; CSV and JSON "
                + "give every neuron in (checkpoint, matrix, layer, neuron) order, for plotting.",
                20, Args::new);
    }

    @Override
    List<OParser<?, Args>> options(Scopt<Args> s) {
        return List.of(s.argument("TOKEN", "a token the map watched, as text: \" dog\"", (a, v) -> a.token = v));
    }

    @Override
    Dataset<Row> query(Atlas atlas, Args a, PrintStream out) {
        Dataset<Row> rows = atlas.profile(a.token);
        if (a.format != ResultFormat.TABLE) {
            return rows;
        }
        out.println("Profile of \"" + a.token + "\" in " + a.atlas + ": " + rows.count()
                + " neurons, highest normalized_prob first:");
        return rows.orderBy(functions.col("normalized_prob").desc());
    }
}
