package io.neuronatlas.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/** The neuron-atlas command line: {@code neuron-atlas COMMAND [options]}, each command with its own --help. */
public final class Main {
    static final List<Command> COMMANDS = List.of(new MapCommand(), new InspectCommand(), new FindTokenCommand(),
            new DemoCommand(), new BenchCommand(), new CompareCommand(),
            new SqlCommand(), new AlignmentCommand(), new TopNeuronsCommand(), new ProfileCommand(),
            new BenchQueryCommand(), new BenchClusterCommand());

    private Main() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
            usage(args.length == 0 ? err : out);
            return args.length == 0 ? 2 : 0;
        }
        for (Command command : COMMANDS) {
            if (command.name().equals(args[0])) {
                try {
                    return command.run(Arrays.copyOfRange(args, 1, args.length), out, err);
                } catch (Exception e) {
                    err.println("neuron-atlas " + command.name() + ": " + Errors.describe(e));
                    if (System.getenv("NEURON_ATLAS_DEBUG") != null) {
                        e.printStackTrace(err);
                    }
                    return 1;
                }
            }
        }
        err.println("neuron-atlas: unknown command '" + args[0] + "'");
        usage(err);
        return 2;
    }

    private static void usage(PrintStream out) {
        out.println("Usage: neuron-atlas COMMAND [options]   (COMMAND --help for its options)");
        out.println();
        for (Command c : COMMANDS) {
            out.printf("  %-12s %s%n", c.name(), c.summary());
        }
    }
}
