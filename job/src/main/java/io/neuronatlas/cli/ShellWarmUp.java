package io.neuronatlas.cli;

import io.neuronatlas.atlas.CheckpointEntry;
import io.neuronatlas.query.Atlas;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/**
 * One of each canned query, run in the background while a person reads the shell's banner and types, on a shell
 * of its own whose output goes nowhere: the JIT compiles their code paths and Spark generates their code, so that
 * the person's first top-neurons or neuron answers as fast as a later one (on the 8B-size atlas a session's first
 * top-neurons took 2.3 s, later ones 0.5–0.75 s; issue 23). It never runs beside a statement, as both use the
 * atlas's views: {@link #stop()}, before each statement, cancels its Spark jobs and waits for it.
 */
final class ShellWarmUp {
    private final Shell silent;
    private final List<String> statements;
    private final Thread thread;
    private volatile boolean stopped;
    private volatile int succeeded;

    private ShellWarmUp(Atlas atlas, String atlasName) {
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream(), false,
                java.nio.charset.StandardCharsets.UTF_8);
        this.silent = new Shell(atlas, atlasName, nowhere, nowhere);
        this.statements = statements(atlas.checkpoints());
        this.thread = new Thread(this::run, "neuron-atlas-shell-warm-up");
        thread.setDaemon(true);
    }

    /** Starts warming up atlas's queries in the background. */
    static ShellWarmUp start(Atlas atlas, String atlasName) {
        ShellWarmUp warmUp = new ShellWarmUp(atlas, atlasName);
        warmUp.thread.start();
        return warmUp;
    }

    /**
     * The statements: one neuron of the first mapped matrix in layer 0 of the first checkpoint (the queries' code
     * is the same for any neuron; one the map did not write only makes its statement fail, silently), then
     * top-neurons and neuron again on the last mapped matrix. Spark's planning code runs a few times per query, and
     * C1 compiles a method only after some hundred calls: with one run each, a session's first top-neurons on
     * another matrix still took 1.1–1.7 s on the 8B-size atlas.
     */
    static List<String> statements(List<CheckpointEntry> checkpoints) {
        return firstMapped(checkpoints).map(first -> {
            List<String> matrices = first.parameters().matrices();
            String matrix = matrices.get(0);
            String last = matrices.get(matrices.size() - 1);
            String expert = first.shapes().experts() > 0 ? "e0." : "";
            return List.of("find-token \" the\"", "top-neurons --matrix " + matrix + " --layer 0",
                    "neuron L0." + expert + matrix + ".0", "alignment", "top-neurons --matrix " + last + " --layer 0",
                    "neuron L0." + expert + last + ".1");
        }).orElse(List.of("find-token \" the\"", "alignment"));
    }

    /** The first checkpoint with a mapped matrix, whose first matrix a warm-up's top-neurons reads (serve's too). */
    static Optional<CheckpointEntry> firstMapped(List<CheckpointEntry> checkpoints) {
        return checkpoints.stream().filter(c -> !c.parameters().matrices().isEmpty()).findFirst();
    }

    private void run() {
        for (String statement : statements) {
            if (stopped) {
                return;
            }
            if (silent.execute(statement)) {
                succeeded++;
            }
        }
    }

    /** Cancels the statement running, if any, and returns once the warm-up has ended. */
    void stop() {
        stopped = true;
        silent.cancel();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for every statement to have run (tests). */
    void awaitEnd() throws InterruptedException {
        thread.join();
    }

    boolean running() {
        return thread.isAlive();
    }

    /** How many of the statements answered without an error. */
    int succeeded() {
        return succeeded;
    }

    List<String> statements() {
        return statements;
    }
}
