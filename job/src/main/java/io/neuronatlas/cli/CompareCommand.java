package io.neuronatlas.cli;

import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.Comparison;
import io.neuronatlas.query.TextTable;
import io.neuronatlas.query.TerminalText;
import java.io.PrintStream;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import scopt.OParser;

/** {@code compare A B}: how far two checkpoints' maps agree, per matrix and layer, and which neurons moved most. */
final class CompareCommand implements Command {

    static final class Args {
        String a;
        String b;
        String atlas;
        String out;
        int limit = 20;
        String master;
    }

    @Override
    public String name() {
        return "compare";
    }

    @Override
    public String summary() {
        return "share of neurons with the same top token in two checkpoints, and the neurons that changed most";
    }

    @Override
    public int run(String[] argv, PrintStream raw, PrintStream err) throws Exception {
        PrintStream out = TerminalText.console(raw);
        Scopt<Args> s = new Scopt<>();
        OParser<?, Args> parser = s.parser("neuron-atlas compare",
                "Compares the maps of checkpoints A and B: per matrix and layer, the share of neurons whose '+' top "
                        + "token is the same in both (agreement), the same per matrix and overall, and the neurons "
                        + "whose '+' top-k tokens overlap least. Prints tables and writes them as Parquet.",
                s.string("atlas", "DIR", "the folder 'map --out' wrote", (a, v) -> a.atlas = v).required(),
                s.string("out", "DIR", "where the Parquet tables go (default ATLAS/comparisons/a=A/b=B)",
                        (a, v) -> a.out = v),
                s.integer("limit", "N", "changed neurons to print and write (default 20)", (a, v) -> a.limit = v),
                s.string("master", "URL", "Spark master (default local[*])", (a, v) -> a.master = v),
                s.argument("A", "a checkpoint in the atlas, e.g. the base model", (a, v) -> a.a = v),
                s.argument("B", "another checkpoint, e.g. the instruct model", (a, v) -> a.b = v));
        Scopt.Parsed<Args> parsed = Scopt.parse(parser, argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Args a = parsed.options();
        if (a.limit < 1) {
            throw new IllegalArgumentException("--limit must be positive, found " + a.limit);
        }
        SparkSession spark = Sessions.open("neuron-atlas compare", a.master);
        Comparison comparison = new Comparison(Atlas.openForQueries(spark, a.atlas), a.a, a.b);
        String dir = a.out != null ? a.out : a.atlas + "/comparisons/a=" + a.a + "/b=" + a.b;
        comparison.write(dir, a.limit);
        // Printed from what was written, so the tables and the files cannot disagree.
        out.printf("%s vs %s: neurons whose '+' top token is the same, per matrix and layer%n", a.a, a.b);
        out.print(TextTable.render(spark.read().parquet(dir + "/" + Comparison.BY_LAYER)
                .orderBy("matrix", "layer"), Integer.MAX_VALUE));
        out.printf("%nper matrix and overall%n");
        out.print(TextTable.render(spark.read().parquet(dir + "/" + Comparison.OVERALL)
                .orderBy(functions.expr("matrix = 'all'"), functions.col("matrix")), Integer.MAX_VALUE));
        out.printf("%nneurons that changed most (least overlap of the '+' top-k tokens)%n");
        out.print(TextTable.render(spark.read().parquet(dir + "/" + Comparison.CHANGED_MOST)
                .orderBy("overlap", "matrix", "layer", "neuron"), a.limit));
        out.printf("%nwritten to %s/{%s,%s,%s}%n", dir, Comparison.BY_LAYER, Comparison.OVERALL,
                Comparison.CHANGED_MOST);
        return 0;
    }
}
