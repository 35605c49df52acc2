package io.neuronatlas.cli;

import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.ReadOnlySql;
import io.neuronatlas.query.ResultFormat;
import io.neuronatlas.query.TerminalText;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scopt.OParser;

/**
 * A command that asks an atlas a question: the options every query shares (--atlas, --format, --limit, --master)
 * plus its own, in its own typed arguments, then one result printed as a table, CSV or JSON lines.
 */
abstract class QueryCommand<A extends QueryCommand.Args> implements Command {
    /** Set by submit.sh on the run that writes the class-data archive (see {@link #local(Args)}). */
    static final String WRITING_ARCHIVE = "neuronatlas.writingClassArchive";

    private final String name;
    private final String summary;
    private final String description;
    private final int defaultLimit;
    private final Supplier<A> newArgs;

    /**
     * @param description  the command's --help text
     * @param defaultLimit rows printed when --limit is not given; CSV and JSON print everything then
     * @param newArgs      the command's own arguments, with their defaults
     */
    QueryCommand(String name, String summary, String description, int defaultLimit, Supplier<A> newArgs) {
        this.name = name;
        this.summary = summary;
        this.description = description;
        this.defaultLimit = defaultLimit;
        this.newArgs = newArgs;
    }

    /** Options every query command has; a command's own arguments extend it. */
    static class Args {
        String atlas;
        String master;
        ResultFormat format = ResultFormat.TABLE;
        int limit;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String summary() {
        return summary;
    }

    /** The rows the user wants: --limit, else the default for a table and all of them for CSV and JSON. */
    final int rowsWanted(A a) {
        return a.limit > 0 ? a.limit : a.format == ResultFormat.TABLE ? defaultLimit : Integer.MAX_VALUE;
    }

    /** The command's own options and arguments. */
    abstract List<OParser<?, A>> options(Scopt<A> s);

    /** Runs the query; prints any header lines itself. */
    abstract Dataset<Row> query(Atlas atlas, A a, PrintStream out) throws Exception;

    /**
     * Prints the answer of a local one-off without starting Spark, where the command can read all of it from the
     * atlas's files directly and print it exactly as the query would (find-token); false when it cannot, having
     * printed nothing, and the query runs.
     */
    boolean answeredWithoutSpark(A a, PrintStream out) throws Exception {
        return false;
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Scopt.Parsed<A> parsed = parse(argv, true, out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        A a = parsed.options();
        StartupTimes times = new StartupTimes();
        if (local(a) && answeredWithoutSpark(a, shown(a, out))) {
            times.step("answer without spark");
            times.print(err);
            return 0;
        }
        // Read-only by construction: the session user SQL runs in (no table by path, no reflection); see ReadOnlySql.
        SparkSession spark = ReadOnlySql.session(Sessions.open("neuron-atlas " + name, a.master));
        times.step("spark session");
        Atlas atlas = Atlas.openForQueries(spark, a.atlas);
        times.step("atlas");
        int code = answer(atlas, a, out);
        times.step("query and output");
        times.print(err);
        return code;
    }

    /**
     * The same command typed in the shell, against an atlas it already opened: argv without --atlas and --master;
     * atlasName is what header lines call the atlas.
     */
    final int runOn(Atlas atlas, String atlasName, String[] argv, PrintStream out, PrintStream err)
            throws Exception {
        Scopt.Parsed<A> parsed = parse(argv, false, out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        A a = parsed.options();
        a.atlas = atlasName;
        return answer(atlas, a, out);
    }

    /**
     * The one-off command line itself, --atlas included, parsed and answered word for word as {@link #run} does,
     * on the atlas a session already opened: what {@code serve} runs for a forwarded one-off (SessionServer).
     */
    final int runOpened(Atlas opened, String[] argv, PrintStream out, PrintStream err) throws Exception {
        Scopt.Parsed<A> parsed = parse(argv, true, out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        A a = parsed.options();
        if (a.master != null) {
            // SessionClient never forwards these: a one-off for a cluster runs there.
            throw new IllegalArgumentException("--master " + a.master + ": a session answers on its own local Spark");
        }
        return answer(opened, a, out);
    }

    private Scopt.Parsed<A> parse(String[] argv, boolean standalone, PrintStream out, PrintStream err) {
        Scopt<A> s = new Scopt<>();
        List<OParser<?, A>> all = new ArrayList<>();
        if (standalone) {
            all.add(s.string("atlas", "DIR", "the folder 'map --out' wrote", (a, v) -> a.atlas = v).required());
        }
        all.addAll(options(s));
        all.add(s.string("format", "table|csv|json", "output: an aligned table (default), CSV, or JSON lines",
                (a, v) -> a.format = ResultFormat.parse(v)));
        all.add(s.integer("limit", "N", "rows to print (default " + defaultLimit + " for a table, all for CSV "
                + "and JSON)", (a, v) -> a.limit = v));
        if (standalone) {
            all.add(Sessions.master(s, (a, v) -> a.master = v));
        }
        @SuppressWarnings("unchecked")
        OParser<?, A>[] options = all.toArray(new OParser[0]);
        Scopt.Parsed<A> parsed = Scopt.parse(s.parser(standalone ? "neuron-atlas " + name : name, description,
                options), argv, newArgs.get(), out, err);
        if (parsed.ok() && parsed.options().limit < 0) {
            throw new IllegalArgumentException("--limit must not be negative, found " + parsed.options().limit);
        }
        return parsed;
    }

    /**
     * Whether this run may answer without Spark: a local run (no --master, and no spark.master from spark-submit or
     * the JVM's properties) that is not writing submit.sh's class-data archive. That run starts Spark whatever the
     * command, so that the archive holds the classes every query needs.
     */
    private static boolean local(Args a) {
        return a.master == null && System.getProperty("spark.master") == null && !Boolean.getBoolean(WRITING_ARCHIVE);
    }

    /** CSV and JSON stay exact for programs; a table and its header lines are for a person's terminal. */
    private static PrintStream shown(Args a, PrintStream out) {
        return a.format == ResultFormat.TABLE ? TerminalText.console(out) : out;
    }

    private int answer(Atlas atlas, A a, PrintStream out) throws Exception {
        PrintStream shown = shown(a, out);
        Dataset<Row> rows = query(atlas, a, shown);
        int limit = a.limit > 0 ? a.limit : a.format == ResultFormat.TABLE ? defaultLimit : -1;
        a.format.print(rows, limit, shown);
        return 0;
    }
}
