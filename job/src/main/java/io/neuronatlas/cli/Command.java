package io.neuronatlas.cli;

import java.io.PrintStream;

/** A subcommand of the neuron-atlas command line. */
public interface Command {
    String name();

    String summary();

    /** Runs with the arguments after the command's name; returns the process exit code. */
    int run(String[] args, PrintStream out, PrintStream err) throws Exception;
}
