package io.neuronatlas.cli;

import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.ReadOnlySql;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.spark.sql.SparkSession;
import scopt.OParser;

/**
 * {@code serve}: keeps one atlas open on one warm Spark session, in the foreground, and answers the local one-off
 * query commands that submit.sh forwards to it (SessionClient), so that a lookup costs a query on warm code instead
 * of a JVM and a Spark session. Ends after an idle spell, or on Ctrl-C, and removes its socket.
 */
final class ServeCommand implements Command {
    static final int DEFAULT_IDLE_MINUTES = 30;

    /** The socket folder: SessionSocket.defaultDir() for users, a temporary one in tests. */
    private final Path socketDir;

    ServeCommand() {
        this(SessionSocket.defaultDir());
    }

    ServeCommand(Path socketDir) {
        this.socketDir = socketDir;
    }

    static final class Args {
        String atlas;
        int idleMinutes = DEFAULT_IDLE_MINUTES;
    }

    @Override
    public String name() {
        return "serve";
    }

    @Override
    public String summary() {
        return "keep an atlas open on a warm session that local find-token, top-neurons, profile, alignment and sql "
                + "one-offs forward to";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Scopt<Args> s = new Scopt<>();
        OParser<?, Args> parser = s.parser("neuron-atlas serve",
                "Opens the atlas on one Spark session and answers, one at a time, the one-offs ./submit.sh "
                        + "find-token|top-neurons|profile|alignment|sql --atlas DIR run on this machine (without "
                        + "--master, and sql without --file): their output is the one-off's, without its start. "
                        + "Listens on a Unix socket only this user can reach; runs in the foreground until Ctrl-C "
                        + "or the idle time (docs/shell.md).",
                s.string("atlas", "DIR", "the folder 'map --out' wrote", (a, v) -> a.atlas = v).required(),
                s.integer("idle-minutes", "N", "end after N minutes without a request (default "
                        + DEFAULT_IDLE_MINUTES + ")", (a, v) -> a.idleMinutes = v));
        Scopt.Parsed<Args> parsed = Scopt.parse(parser, argv, new Args(), out, err);
        if (!parsed.ok()) {
            return parsed.exitCode();
        }
        Args a = parsed.options();
        if (a.idleMinutes < 1) {
            throw new IllegalArgumentException("--idle-minutes must be at least 1, found " + a.idleMinutes);
        }
        SessionSocket socket = SessionSocket.of(socketDir, a.atlas);
        SparkSession spark = Sessions.open("neuron-atlas serve", null);
        // Each opening on a new session of the kind the sql command runs user SQL in (ReadOnlySql.session): no table
        // by path, no reflection; the views of an atlas opened again replace none of the old one's.
        SessionServer.Opener opener = () -> Atlas.openForQueries(ReadOnlySql.session(spark), a.atlas);
        try (SessionServer server = SessionServer.bind(opener, socket, Duration.ofMinutes(a.idleMinutes), err)) {
            // Ctrl-C and kill end the JVM without leaving the loop: the socket goes with it all the same.
            Thread hook = new Thread(() -> {
                try {
                    server.close();
                } catch (java.io.IOException e) {
                    err.println("neuron-atlas serve: could not remove " + socket.socket() + ": " + e.getMessage());
                }
            }, "neuron-atlas-serve-close");
            Runtime.getRuntime().addShutdownHook(hook);
            // The first lookup of a kind in a cold session plans and compiles its code: done here, before any
            // client, for each kind a one-off forwards (as the shell's ShellWarmUp does in the background).
            server.warmUp("find-token", "--atlas", a.atlas, " the", "--limit", "1");
            server.firstMatrix().ifPresent(matrix -> server.warmUp("top-neurons", "--atlas", a.atlas, "--matrix",
                    matrix, "--layer", "0", "--limit", "1"));
            server.warmUp("alignment", "--atlas", a.atlas);
            out.println("neuron-atlas serve: " + String.join(", ", server.commandNames()) + " for " + a.atlas
                    + " answered on " + socket.socket() + " (ends after " + a.idleMinutes + " idle minute"
                    + (a.idleMinutes == 1 ? "" : "s") + "; Ctrl-C stops it)");
            out.flush();
            server.serve();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C or kill ended the loop: the hook is removing the socket; System.exit would wait forever.
            }
        }
        return 0;
    }
}
