package io.neuronatlas.cli;

import io.neuronatlas.checkpoint.files.InputFile;
import io.neuronatlas.query.TerminalText;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;

/** The neuron-atlas command line: {@code neuron-atlas COMMAND [options]}, each command with its own --help. */
public final class Main {
    /** What users run; benchmarks and developer tools live in the bench module's own command line. */
    static final List<Command> COMMANDS = List.of(new MapCommand(), new InspectCommand(), new FindTokenCommand(),
            new DemoCommand(), new CompareCommand(), new SqlCommand(), new AlignmentCommand(),
            new TopNeuronsCommand(), new ProfileCommand(), new ReportCommand(), new ClampCommand(),
            new GenerateCommand(), new ValidateCommand(), new ExamplesCommand(), new CensusCommand(),
            new DriftCommand(), new ShellCommand(), new ServeCommand());

    /** The environment variable that turns stack traces on. */
    static final String DEBUG = "NEURON_ATLAS_DEBUG";

    private Main() {
    }

    public static void main(String[] args) {
        exit(run("neuron-atlas", COMMANDS, args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run("neuron-atlas", COMMANDS, args, out, err);
    }

    /** Exits with code unless it is 0, so that a JVM that still has Spark threads ends all the same. */
    public static void exit(int code) {
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs the command args[0] names among commands; program is the name usage and errors show. */
    public static int run(String program, List<Command> commands, String[] args, PrintStream out, PrintStream raw) {
        // Whatever goes to stderr is for a person: messages quote file names, tokens and SQL as they came.
        PrintStream err = TerminalText.console(raw);
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
            usage(program, commands, args.length == 0 ? err : out);
            return args.length == 0 ? 2 : 0;
        }
        boolean debug = System.getenv(DEBUG) != null;
        if (debug) {
            // conf/log4j2.properties keeps Spark's task failure traces off the console; the debug switch shows them.
            Configurator.setLevel("org.apache.spark.executor.Executor", Level.ERROR);
            Configurator.setLevel("org.apache.spark.scheduler.TaskSetManager", Level.WARN);
        }
        for (Command command : commands) {
            if (command.name().equals(args[0])) {
                try {
                    return command.run(Arrays.copyOfRange(args, 1, args.length), out, err);
                } catch (Exception | OutOfMemoryError e) {
                    // One line: what failed and what to do. The trace, with the debug switch only.
                    err.println(program + " " + command.name() + ": " + (e instanceof OutOfMemoryError
                            ? InputFile.outOfMemory(input(args)) : Errors.describe(e)));
                    if (debug) {
                        e.printStackTrace(err);
                    }
                    return 1;
                }
            }
        }
        err.println(program + ": unknown command '" + args[0] + "'");
        usage(program, commands, err);
        return 2;
    }

    /** What the command was reading, for a line about memory: the value of its folder or file option. */
    static String input(String[] args) {
        for (int i = 1; i + 1 < args.length; i++) {
            if (List.of("--model", "--models-dir", "--atlas", "--file", "-f", "--corpus").contains(args[i])) {
                return args[0] + " " + args[i] + " " + args[i + 1];
            }
        }
        return args[0];
    }

    private static void usage(String program, List<Command> commands, PrintStream out) {
        out.println("Usage: " + program + " COMMAND [options]   (COMMAND --help for its options)");
        out.println();
        for (Command c : commands) {
            out.printf("  %-13s %s%n", c.name(), c.summary());
        }
    }
}
