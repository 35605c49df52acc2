package io.neuronatlas.cli;

import io.neuronatlas.atlas.ExamplesTables;
import io.neuronatlas.atlas.ForwardTables;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.Comparison;
import io.neuronatlas.query.TerminalText;
import io.neuronatlas.query.TextTable;
import io.neuronatlas.udfs.NeuronId;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.UserInterruptException;
import scopt.OParser;

/**
 * The query shell's work: statements one at a time against one atlas on one warm SparkSession. A statement is SQL
 * (through the {@code sql} command, so the same read-only guard), a canned command by name with the command line's
 * options ({@code find-token " dog" --limit 5}), {@code neuron L12.up.881}, {@code compare A B}, or one of the
 * shell's own ({@code tables}, {@code help}, {@code \timing}, {@code quit}). Each statement runs in a Spark job
 * group of its own, which {@link #cancel()} (Ctrl-C) cancels: the statement fails, the shell goes on.
 */
final class Shell {
    /** The first words of the shell's commands; any other statement is SQL. */
    static final Set<String> COMMANDS = Set.of("find-token", "top-neurons", "profile", "alignment", "compare",
            "neuron", "tables", "help", "quit", "exit");

    /** The canned queries that are also command-line commands, with the same options (less --atlas, --master). */
    private final Map<String, QueryCommand<?>> canned = Map.of("find-token", new FindTokenCommand(),
            "top-neurons", new TopNeuronsCommand(), "profile", new ProfileCommand(),
            "alignment", new AlignmentCommand());
    private final SqlCommand sql = new SqlCommand();

    private final Atlas atlas;
    private final String atlasName;
    /** Results of the commands, which escape tables themselves and keep CSV and JSON exact. */
    private final PrintStream raw;
    private final PrintStream out;
    private final PrintStream err;
    private final JobGroups groups;
    private boolean timing = true;
    private boolean quit;
    /** The canned queries warming up in the background until the first statement; null once stopped. */
    private ShellWarmUp warmUp;

    /**
     * @param out where results go; a table and every message are escaped for a person's terminal
     * @param err where error lines go
     */
    Shell(Atlas atlas, String atlasName, PrintStream out, PrintStream err) {
        this.atlas = atlas;
        this.atlasName = atlasName;
        this.raw = out;
        this.out = TerminalText.console(out);
        this.err = TerminalText.console(err);
        this.groups = new JobGroups(atlas.spark().sparkContext(), "shell");
    }

    /** Reads statements from a script (standard input that is not a terminal): no prompts; 1 if any failed. */
    int runScript(BufferedReader in) throws IOException {
        int failed = 0;
        StringBuilder pending = new StringBuilder();
        String line;
        while (!quit && (line = in.readLine()) != null) {
            pending.append(line).append('\n');
            if (ShellInput.complete(pending.toString())) {
                failed += executeAll(pending.toString());
                pending.setLength(0);
            }
        }
        if (!quit) {
            // The end of the script ends its last statement, ';' or not.
            for (String statement : ShellInput.statements(pending.toString())) {
                failed += execute(statement) ? 0 : 1;
            }
        }
        return failed == 0 ? 0 : 1;
    }

    /** Reads statements a person types: prompts, line editing, history, Ctrl-C and Ctrl-D. */
    int runInteractive(LineReader reader) {
        out.println("neuron-atlas shell on " + atlasName + " (" + String.join(", ", atlas.views()) + "); 'help' "
                + "lists the commands, Ctrl-C cancels a query, Ctrl-D or 'quit' leaves");
        // While the person reads and types; a script's statements come at once, so it gets none.
        startWarmUp();
        while (!quit) {
            String text;
            try {
                text = reader.readLine("atlas> ");
            } catch (UserInterruptException e) {
                continue; // Ctrl-C while typing drops the line
            } catch (EndOfFileException e) {
                break;
            }
            executeAll(text);
        }
        return 0;
    }

    /** Starts the canned queries' warm-up ({@link ShellWarmUp}), which the next statement stops. */
    ShellWarmUp startWarmUp() {
        warmUp = ShellWarmUp.start(atlas, atlasName);
        return warmUp;
    }

    /** Runs each statement of complete text; returns how many failed. */
    private int executeAll(String text) {
        int failed = 0;
        for (String statement : ShellInput.statements(text)) {
            if (quit) {
                break;
            }
            failed += execute(statement) ? 0 : 1;
        }
        return failed;
    }

    /** Runs one statement and prints its result, or one line saying why it failed; false when it failed. */
    boolean execute(String statement) {
        if (warmUp != null) {
            warmUp.stop();
            warmUp = null;
        }
        String group = groups.begin(statement);
        long t0 = System.nanoTime();
        boolean ok;
        try {
            ok = dispatch(statement);
        } catch (Exception | OutOfMemoryError e) {
            ok = false;
            err.println(groups.wasCancelled(group) ? "cancelled" : "error: " + (e instanceof OutOfMemoryError
                    ? "out of memory (start the shell with a larger --driver-memory)" : Errors.describe(e)));
            if (System.getenv(Main.DEBUG) != null) {
                e.printStackTrace(err);
            }
        } finally {
            groups.end();
        }
        if (timing) {
            out.printf(Locale.ROOT, "Time: %.3f s%n", (System.nanoTime() - t0) / 1e9);
        }
        out.flush();
        return ok;
    }

    /**
     * Cancels the running statement's Spark jobs, as Ctrl-C does; nothing when none is running.
     *
     * @return whether a statement was running
     */
    boolean cancel() {
        return groups.cancel();
    }

    boolean quitRequested() {
        return quit;
    }

    private boolean dispatch(String statement) throws Exception {
        String first = ShellInput.firstWord(statement).toLowerCase(Locale.ROOT);
        if (!ShellInput.isCommand(statement)) {
            return sql.runOn(atlas, atlasName, new String[] {statement}, raw, err) == 0;
        }
        String[] args = words(statement).stream().skip(1).toArray(String[]::new);
        QueryCommand<?> command = canned.get(first);
        if (command != null) {
            return command.runOn(atlas, atlasName, args, raw, err) == 0;
        }
        switch (first) {
            case "quit", "exit", "\\q" -> quit = true;
            case "help", "\\?", "\\h" -> help();
            case "tables", "\\d" -> tables();
            case "\\timing" -> timing(args);
            case "compare" -> {
                return compare(args);
            }
            case "neuron" -> {
                return neuron(args);
            }
            default -> throw new IllegalArgumentException("unknown shell command '" + first + "' ('help' lists "
                    + "them)");
        }
        return true;
    }

    private static Object[] values(Row row) {
        Object[] values = new Object[row.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = row.get(i);
        }
        return values;
    }

    /**
     * A command line's words, quoted as in a Unix shell: {@code find-token " dog"} gives [find-token, " dog"];
     * '...' is taken as it is, and a backslash escapes the next character outside quotes and '"' or '\\' inside
     * double quotes.
     */
    static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote == 0 && Character.isWhitespace(c)) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
                continue;
            }
            if (word == null) {
                word = new StringBuilder();
            }
            if (quote == 0 && (c == '"' || c == '\'')) {
                quote = c;
            } else if (c == quote) {
                quote = 0;
            } else if (c == '\\' && i + 1 < line.length() && quote != '\''
                    && (quote == 0 || line.charAt(i + 1) == '"' || line.charAt(i + 1) == '\\')) {
                word.append(line.charAt(++i));
            } else {
                word.append(c);
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("unclosed " + quote + " in: " + line);
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }

    private void timing(String[] args) {
        if (args.length > 1 || args.length == 1 && !List.of("on", "off").contains(args[0])) {
            throw new IllegalArgumentException("\\timing takes on, off or nothing (to switch), found "
                    + String.join(" ", args));
        }
        timing = args.length == 0 ? !timing : args[0].equals("on");
        out.println("Timing is " + (timing ? "on" : "off") + ".");
    }

    private void help() {
        out.println("""
                SQL ending in ';' (one read-only query, as the sql command runs; may span lines), or a command:
                  find-token TOKEN [--limit N]                   the neurons for a token, variants grouped
                  top-neurons --matrix M --layer L [--tokens N]  the most vocabulary-aligned neurons of a layer
                  profile TOKEN                                  a watched token's values for every neuron
                  alignment [--threshold X | --bins N]           vocabulary alignment per matrix and layer
                  compare A B [--limit N]                        two checkpoints' top-token agreement
                  neuron ID [--tokens N] [--examples N]          a neuron (L12.up.881): tokens, statistics,
                                                                 examples and validation where the atlas has them
                  tables                                         the views and their columns
                  \\timing [on|off]                               print each statement's elapsed time
                  help, quit
                Canned commands take the command line's options (--format csv|json, --limit N); COMMAND --help
                prints them. Tab completes commands, views, columns and checkpoints; Ctrl-C cancels a query.""");
    }

    private void tables() {
        List<Object[]> rows = new ArrayList<>();
        for (String view : atlas.views()) {
            rows.add(new Object[] {view, String.join(", ", atlas.table(view).columns())});
        }
        rows.add(new Object[] {"checkpoints", String.join(", ", atlas.table("checkpoints").columns())});
        out.print(TextTable.render(new String[] {"view", "columns"}, rows));
    }

    /** compare A B: the compare command's tables, printed and not written (the shell only reads). */
    private boolean compare(String[] argv) throws Exception {
        final class Args {
            String a;
            String b;
            int limit = 20;
        }
        Scopt<Args> s = new Scopt<>();
        @SuppressWarnings("unchecked")
        OParser<?, Args> parser = s.parser("compare", "Compares the maps of checkpoints A and B, as the compare "
                        + "command does, without writing its tables.",
                s.integer("limit", "N", "changed neurons to print (default 20)", (a, v) -> a.limit = v),
                s.argument("A", "a checkpoint in the atlas", (a, v) -> a.a = v),
                s.argument("B", "another checkpoint", (a, v) -> a.b = v));
        Scopt.Parsed<Args> parsed = Scopt.parse(parser, argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode() == 0;
        }
        Args a = parsed.options();
        if (a.limit < 1) {
            throw new IllegalArgumentException("--limit must be positive, found " + a.limit);
        }
        Comparison comparison = new Comparison(atlas, a.a, a.b);
        out.printf("%s vs %s: neurons whose '+' top token is the same, per matrix and layer%n", a.a, a.b);
        out.print(TextTable.render(comparison.byLayer(), Integer.MAX_VALUE));
        out.printf("%nper matrix and overall%n");
        out.print(TextTable.render(comparison.overall(), Integer.MAX_VALUE));
        out.printf("%nneurons that changed most (least overlap of the '+' top-k tokens)%n");
        out.print(TextTable.render(comparison.changedMost(), a.limit));
        return true;
    }

    /** neuron ID: its top tokens in both polarities, its statistics, and its examples and validation if any. */
    private boolean neuron(String[] argv) throws Exception {
        final class Args {
            String id;
            int tokens = 10;
            int examples = 3;
        }
        Scopt<Args> s = new Scopt<>();
        @SuppressWarnings("unchecked")
        OParser<?, Args> parser = s.parser("neuron", "A neuron's top tokens in both polarities, its statistics, "
                        + "and its top examples and validations when the atlas has them.",
                s.integer("tokens", "N", "tokens per polarity (default 10)", (a, v) -> a.tokens = v),
                s.integer("examples", "N", "examples of each kind (default 3)", (a, v) -> a.examples = v),
                s.argument("ID", "the neuron as the atlas names it: L12.up.881, L12.e5.up.300",
                        (a, v) -> a.id = v));
        Scopt.Parsed<Args> parsed = Scopt.parse(parser, argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode() == 0;
        }
        Args a = parsed.options();
        NeuronId id = NeuronId.parse(a.id);
        if (id == null) {
            throw new IllegalArgumentException("neuron '" + a.id + "' is not of the form L<layer>.<gate|up|down>."
                    + "<index> (L12.up.881), or L<layer>.e<expert>.<matrix>.<index> in a mixture of experts");
        }
        if (a.tokens < 1 || a.examples < 1) {
            throw new IllegalArgumentException("--tokens and --examples must be positive");
        }
        Dataset<Row> statistics = atlas.neuronStatistics(id);
        List<Row> found = statistics.collectAsList();
        if (found.isEmpty()) {
            throw new IllegalArgumentException("neuron " + id + " is not in " + atlasName + " (no checkpoint mapped "
                    + "that matrix, layer and index)");
        }
        out.println("Neuron " + id + " in " + atlasName + ": top tokens");
        out.print(TextTable.render(atlas.neuronTokens(id, a.tokens), Integer.MAX_VALUE));
        out.println();
        out.println("statistics");
        out.print(TextTable.render(statistics.columns(), found.stream().map(Shell::values).toList()));
        String mlp = id.expert() == null ? "" : (id.expert().equals("shared") ? " of the shared expert"
                : " of expert " + id.expert());
        if (atlas.views().contains(ExamplesTables.NEURON_EXAMPLES)) {
            out.println();
            out.println("top examples (act(gate)\u00b7up at index " + id.neuron() + mlp + " of layer " + id.layer()
                    + ")");
            out.print(TextTable.render(atlas.neuronExamples(id, a.examples), Integer.MAX_VALUE));
        }
        if (atlas.views().contains(ForwardTables.NEURON_VALIDATION)) {
            out.println();
            out.println("validation (clamped at index " + id.neuron() + mlp + " of layer " + id.layer() + ")");
            out.print(TextTable.render(atlas.neuronValidation(id), Integer.MAX_VALUE));
        }
        return true;
    }
}
