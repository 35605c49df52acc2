package io.neuronatlas.cli;

import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.ReadOnlySql;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.jline.reader.EOFError;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.ParsedLine;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.Signals;
import scopt.OParser;

/**
 * {@code shell}: an interactive query shell on one warm SparkSession with the atlas opened once (Shell). On a
 * terminal it reads with JLine: line editing, history kept in a file between sessions, tab completion, Ctrl-C
 * cancelling the running query. Standard input that is not a terminal is read as a script: no prompts, every
 * statement run even after one fails, exit code 1 when any failed.
 */
final class ShellCommand implements Command {
    /** The environment variable that moves the history file (tests, several atlases). */
    static final String HISTORY_ENV = "NEURON_ATLAS_HISTORY";
    /** The exit code of a script ended by Ctrl-C between statements: 128 + SIGINT, as a shell reports it. */
    static final int INTERRUPTED = 130;

    private final InputStream in;
    private final boolean terminal;

    ShellCommand() {
        // System.console() is non-null only when both standard input and output are a terminal.
        this(System.in, System.console() != null);
    }

    ShellCommand(InputStream in, boolean terminal) {
        this.in = in;
        this.terminal = terminal;
    }

    static final class Args {
        String atlas;
        String master;
        String history;
    }

    @Override
    public String name() {
        return "shell";
    }

    @Override
    public String summary() {
        return "an interactive shell: SQL and the query commands on one warm Spark session (Ctrl-C cancels)";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Scopt<Args> s = new Scopt<>();
        @SuppressWarnings("unchecked")
        OParser<?, Args> parser = s.parser("neuron-atlas shell",
                "Opens the atlas once and reads statements: SQL ending in ';' (read-only, as the sql command), "
                        + "the query commands by name with their options (find-token \" dog\", top-neurons --matrix "
                        + "up --layer 12, profile, alignment, compare A B), neuron L12.up.881, tables, \\timing, "
                        + "help. On a terminal: line editing, history, tab completion, Ctrl-C cancels the running "
                        + "query. Piped in (./submit.sh shell --atlas A < script.sql): no prompts, every statement "
                        + "runs, exit code 1 if any failed.",
                s.string("atlas", "DIR", "the folder 'map --out' wrote", (a, v) -> a.atlas = v).required(),
                s.string("history", "FILE", "where typed statements are kept between sessions (default $"
                        + HISTORY_ENV + ", else ~/.neuron-atlas_history)", (a, v) -> a.history = v),
                Sessions.master(s, (a, v) -> a.master = v));
        Scopt.Parsed<Args> parsed = Scopt.parse(parser, argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Args a = parsed.options();
        // The session the sql command runs user SQL in (ReadOnlySql.session): no table by path, no reflection.
        SparkSession spark = ReadOnlySql.session(Sessions.open("neuron-atlas shell", a.master));
        Atlas atlas = Atlas.openForQueries(spark, a.atlas);
        Shell shell = new Shell(atlas, a.atlas, out, err);
        if (!terminal) {
            // Piped in, Ctrl-C (SIGINT to the foreground process group) cancels the running statement as on a
            // terminal, and the script goes on; between statements it ends the script, as it ends any program
            // reading a pipe.
            Object previous = Signals.register("INT", () -> {
                if (!shell.cancel()) {
                    err.println("interrupted");
                    err.flush();
                    System.exit(INTERRUPTED);
                }
            });
            try {
                return shell.runScript(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
            } finally {
                Signals.unregister("INT", previous);
            }
        }
        try (Terminal t = TerminalBuilder.builder().system(true).dumb(true).build()) {
            return interactive(shell, t, atlas, history(a.history));
        }
    }

    /** The history file: --history, else $NEURON_ATLAS_HISTORY, else ~/.neuron-atlas_history. */
    static Path history(String option) {
        if (option != null) {
            return Path.of(option);
        }
        String env = System.getenv(HISTORY_ENV);
        return env != null && !env.isBlank() ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".neuron-atlas_history");
    }

    /** Runs the shell on a terminal: JLine's reader with the shell's statements, completion and history. */
    static int interactive(Shell shell, Terminal terminal, Atlas atlas, Path history) {
        LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("neuron-atlas")
                .parser(new StatementParser())
                .completer(new ShellCompleter(atlas))
                .variable(LineReader.HISTORY_FILE, history)
                .variable(LineReader.SECONDARY_PROMPT_PATTERN, "    -> ")
                // '!' is SQL's not (!=), never history expansion.
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                .build();
        // While a line is being read JLine turns Ctrl-C into UserInterruptException; while a statement runs it
        // comes here and cancels the statement's Spark jobs.
        terminal.handle(Terminal.Signal.INT, signal -> shell.cancel());
        try {
            return shell.runInteractive(reader);
        } finally {
            try {
                reader.getHistory().save();
            } catch (java.io.IOException e) {
                System.err.println("neuron-atlas shell: could not save the history to " + history + ": "
                        + e.getMessage());
            }
        }
    }

    /** Enter ends a statement only when it is whole: SQL runs to its ';', a command is one line. */
    static final class StatementParser extends DefaultParser {
        @Override
        public ParsedLine parse(String line, int cursor, ParseContext context) {
            if (context == ParseContext.ACCEPT_LINE && !ShellInput.complete(line)) {
                throw new EOFError(-1, -1, "the SQL statement goes on to a ';'", ";");
            }
            return super.parse(line, cursor, context);
        }
    }
}
