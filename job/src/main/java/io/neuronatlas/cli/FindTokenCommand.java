package io.neuronatlas.cli;

import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.ResultFormat;
import java.io.PrintStream;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scopt.OParser;

/** {@code find-token}: the neurons whose top tokens include a token or its case/space variants. */
final class FindTokenCommand extends QueryCommand<FindTokenCommand.Args> {
    static final class Args extends QueryCommand.Args {
        String token;
    }

    FindTokenCommand() {
        super("find-token",
                "the neurons for a token (e.g. \" dog\"), variants grouped, ranked by normalized probability",
                "Finds the neurons that have TOKEN, or a case/space variant of it (\" dog\", \"dog\", \" Dog\", "
                + "\" DOG\"), among their top tokens in either polarity, across all checkpoints, matrices and layers.",
                20, Args::new);
    }

    @Override
    List<OParser<?, Args>> options(Scopt<Args> s) {
        return List.of(s.argument("TOKEN", "the token as text: \" dog\" (variants are found too)",
                (a, v) -> a.token = v));
    }

    @Override
    Dataset<Row> query(Atlas atlas, Args a, PrintStream out) {
        if (a.format == ResultFormat.TABLE) {
            out.println("Neurons for token \"" + a.token + "\" in " + a.atlas + ":");
        }
        return atlas.findToken(a.token, rowsWanted(a));
    }
}
