package io.neuronatlas.cli;

import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.TextTable;
import java.io.PrintStream;
import org.apache.spark.sql.SparkSession;
import scopt.OParser;

/** {@code find-token}: the neurons whose top tokens include a token, across all layers and matrices. */
final class FindTokenCommand implements Command {

    static final class Args {
        String atlas;
        String token;
        int limit = 20;
        String master;
    }

    @Override
    public String name() {
        return "find-token";
    }

    @Override
    public String summary() {
        return "the neurons for a token (e.g. \" dog\"), ranked by normalized probability";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Scopt<Args> s = new Scopt<>();
        OParser<?, Args> parser = s.parser("neuron-atlas find-token",
                "Finds the neurons that have TOKEN among their top tokens, in either polarity.",
                s.string("atlas", "DIR", "the folder 'map --out' wrote", (a, v) -> a.atlas = v).required(),
                s.integer("limit", "N", "rows to print (default 20)", (a, v) -> a.limit = v),
                s.string("master", "URL", "Spark master (default local[*])", (a, v) -> a.master = v),
                s.argument("TOKEN", "the token as text, with its leading space: \" dog\"", (a, v) -> a.token = v));
        Scopt.Parsed<Args> parsed = Scopt.parse(parser, argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Args a = parsed.options();
        SparkSession spark = Sessions.open("neuron-atlas find-token", a.master);
        Atlas atlas = Atlas.open(spark, a.atlas);
        out.println("Neurons for token \"" + a.token + "\" in " + a.atlas + ":");
        out.print(TextTable.render(atlas.findToken(a.token, a.limit), a.limit));
        return 0;
    }
}
