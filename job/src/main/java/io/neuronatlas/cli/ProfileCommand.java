package io.neuronatlas.cli;

import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.ResultFormat;
import io.neuronatlas.query.SameTextTokens;
import java.io.PrintStream;
import java.util.ArrayList;
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
        for (String note : notEmitted(atlas, a.token, rows)) {
            out.println(note);
        }
        return rows.orderBy(functions.col("normalized_prob").desc());
    }

    /**
     * A line per checkpoint whose watched id is not the one the model emits for the text: a map from before map
     * --watch resolved texts as clamp does took the lowest id, which in a byte-fallback vocabulary is the byte piece.
     */
    static List<String> notEmitted(Atlas atlas, String token, Dataset<Row> rows) {
        SameTextTokens same = SameTextTokens.of(atlas, token);
        List<String> notes = new ArrayList<>();
        for (Row r : rows.select("checkpoint", "token_id").distinct().orderBy("checkpoint").collectAsList()) {
            SameTextTokens.Id emitted = same.emitted(r.getString(0));
            if (emitted != null && emitted.tokenId() != r.getInt(1)) {
                notes.add(r.getString(0) + ": the watched id " + r.getInt(1) + " renders \"" + token + "\" but the "
                        + "model emits id " + emitted + "; map again with --watch \"" + token + "\" --force to "
                        + "profile that one");
            }
        }
        return notes;
    }
}
