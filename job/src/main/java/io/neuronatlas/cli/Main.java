package io.neuronatlas.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/** The neuron-atlas command line: {@code neuron-atlas COMMAND [options]}, each command with its own --help. */
public final class Main {
    /** What users run; benchmarks and developer tools live in the bench module's own command line. */
    static final List<Command> COMMANDS = List.of(new MapCommand(), new InspectCommand(), new FindTokenCommand(),
            new DemoCommand(), new CompareCommand(), new SqlCommand(), new AlignmentCommand(),
            new TopNeuronsCommand(), new ProfileCommand(), new ReportCommand());

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
    public static int run(String program, List<Command> commands, String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
            usage(program, commands, args.length == 0 ? err : out);
            return args.length == 0 ? 2 : 0;
        }
        for (Command command : commands) {
            if (command.name().equals(args[0])) {
                try {
                    return command.run(Arrays.copyOfRange(args, 1, args.length), out, err);
                } catch (Exception e) {
                    err.println(program + " " + command.name() + ": " + Errors.describe(e));
                    if (System.getenv("NEURON_ATLAS_DEBUG") != null) {
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

    private static void usage(String program, List<Command> commands, PrintStream out) {
        out.println("Usage: " + program + " COMMAND [options]   (COMMAND --help for its options)");
        out.println();
        for (Command c : commands) {
            out.printf("  %-13s %s%n", c.name(), c.summary());
        }
    }
}
