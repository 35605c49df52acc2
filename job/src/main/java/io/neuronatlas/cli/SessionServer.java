package io.neuronatlas.cli;

import io.neuronatlas.query.Atlas;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The loop of {@code serve}: one atlas open on one warm session, answering the one-offs SessionClient forwards,
 * one at a time, on a Unix domain socket (SessionSocket). A forwarded command runs the one-off's own code on the
 * opened atlas (QueryCommand.runOpened, through Main.run's error lines), so its output, messages and exit code are
 * the one-off's. Each runs in a job group of its own, cancelled when its client hangs up (Ctrl-C kills the client).
 * The loop ends after an idle spell or {@link #stop()}; {@link #close()} removes the socket.
 */
final class SessionServer implements AutoCloseable {
    /** Opens the atlas on a session of its own: once at the start, and again whenever its files changed. */
    @FunctionalInterface
    interface Opener {
        Atlas open() throws IOException;
    }

    private final Opener opener;
    /** The atlas as last opened, and what its folder held just before. */
    private volatile Atlas atlas;
    private AtlasStamp stamp;
    private final SessionSocket socket;
    private final Duration idle;
    private final PrintStream log;
    private final ServerSocketChannel server;
    private final Selector selector;
    /** The socket file this server bound: close() never removes one a later server bound in its place. */
    private final Object fileKey;
    private final JobGroups groups;
    private final List<Command> commands;
    private volatile boolean stopped;
    /** How long a client that connected may take to send its request before it is hung up on. */
    private final Duration requestDeadline;
    /** Hangs up on clients past the deadline: a connection that sends nothing must not hold the one-at-a-time loop. */
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "serve-request-deadline");
        t.setDaemon(true);
        return t;
    });

    private SessionServer(Opener opener, Atlas atlas, AtlasStamp stamp, SessionSocket socket, Duration idle,
                          Duration requestDeadline, PrintStream log, ServerSocketChannel server) throws IOException {
        this.opener = opener;
        this.requestDeadline = requestDeadline;
        this.atlas = atlas;
        this.stamp = stamp;
        this.socket = socket;
        this.idle = idle;
        this.log = log;
        this.server = server;
        this.fileKey = fileKey();
        this.selector = Selector.open();
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        this.groups = new JobGroups(atlas.spark().sparkContext(), "serve");
        this.commands = List.of(served(new FindTokenCommand()), served(new TopNeuronsCommand()),
                served(new ProfileCommand()), served(new AlignmentCommand()), served(new SqlCommand()));
    }

    /**
     * Opens the atlas and listens on its socket. A socket file nobody answers on (its server was killed) is
     * replaced; one a live session answers on is refused, naming it.
     *
     * @param opener opens socket.atlas() (read-only, as the one-offs open it)
     * @param idle   how long the loop waits for a request before it ends
     * @param log    where the server says what it answered and what went wrong
     */
    static SessionServer bind(Opener opener, SessionSocket socket, Duration idle, PrintStream log)
            throws IOException {
        return bind(opener, socket, idle, REQUEST_DEADLINE, log);
    }

    /** A client's request arrives in milliseconds; ten seconds is only ever a connection that will send nothing. */
    static final Duration REQUEST_DEADLINE = Duration.ofSeconds(10);

    /** As {@link #bind(Opener, SessionSocket, Duration, PrintStream)}, with the time a client has to send its request. */
    static SessionServer bind(Opener opener, SessionSocket socket, Duration idle, Duration requestDeadline,
                              PrintStream log) throws IOException {
        if (requestDeadline.isNegative() || requestDeadline.isZero()) {
            throw new IllegalArgumentException("the request deadline must be positive, found " + requestDeadline);
        }
        if (idle.isNegative() || idle.isZero()) {
            throw new IllegalArgumentException("the idle time must be positive, found " + idle);
        }
        AtlasStamp stamp = AtlasStamp.of(socket.atlas());
        Atlas atlas = opener.open();
        socket.createDir();
        if (Files.exists(socket.socket(), LinkOption.NOFOLLOW_LINKS)) {
            if (answers(socket)) {
                throw new IllegalStateException("a session already serves " + socket.atlas() + " on "
                        + socket.socket() + ": query through it, or stop it first");
            }
            Files.delete(socket.socket());
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket.socket()));
        } catch (BindException e) {
            server.close();
            throw new IllegalStateException("another session bound " + socket.socket() + " for " + socket.atlas()
                    + " at the same moment: query through it");
        }
        return new SessionServer(opener, atlas, stamp, socket, idle, requestDeadline, log, server);
    }

    /** Whether a server listens on the socket: a connection is accepted (a busy server's backlog accepts it too). */
    private static boolean answers(SessionSocket socket) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(socket.socket()));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    SessionSocket socket() {
        return socket;
    }

    /** The names of the commands this server answers, for the line that says what it serves. */
    List<String> commandNames() {
        return commands.stream().map(Command::name).toList();
    }

    /** Answers requests, one at a time, until none came for the idle time or {@link #stop()} was called. */
    void serve() throws IOException {
        long lastAnswer = System.nanoTime();
        while (!stopped) {
            long left = idle.toMillis() - (System.nanoTime() - lastAnswer) / 1_000_000;
            if (left <= 0) {
                log.printf(Locale.ROOT, "neuron-atlas serve: no request for %s, ending%n", describe(idle));
                return;
            }
            SocketChannel client;
            try {
                selector.select(left);
                selector.selectedKeys().clear();
                client = server.accept();
            } catch (ClosedSelectorException | ClosedChannelException e) {
                if (stopped) {
                    return; // closed by the shutdown hook (Ctrl-C, kill)
                }
                throw e;
            }
            if (client != null) {
                answer(client);
                lastAnswer = System.nanoTime();
            }
        }
    }

    /** Ends {@link #serve()} after the request it is answering, if any. */
    void stop() {
        stopped = true;
        selector.wakeup();
    }

    /** The first mapped matrix of the atlas's first checkpoint, if any: what the warm-up's top-neurons reads. */
    java.util.Optional<String> firstMatrix() {
        return ShellWarmUp.firstMapped(atlas.checkpoints()).map(c -> c.parameters().matrices().get(0));
    }

    /** Runs one command line on the opened atlas, its output discarded: JIT-compiles the path before any client. */
    int warmUp(String... argv) {
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        return Main.run("neuron-atlas", commands, argv, nowhere, log);
    }

    private void answer(SocketChannel client) {
        try (client) {
            client.configureBlocking(true);
            DataInputStream in = new DataInputStream(new BufferedInputStream(SessionFrames.input(client)));
            DataOutputStream to = new DataOutputStream(new BufferedOutputStream(SessionFrames.output(client)));
            SessionFrames.Frame frame;
            ScheduledFuture<?> deadline = deadlines.schedule(() -> hangUp(client), requestDeadline.toMillis(),
                    TimeUnit.MILLISECONDS);
            try {
                SessionFrames.Frame hello = SessionFrames.read(in);
                SessionFrames.writeInt(to, SessionFrames.HELLO, SessionFrames.VERSION);
                if (hello.type() != SessionFrames.HELLO || SessionFrames.intOf(hello) != SessionFrames.VERSION) {
                    return; // the client sees our version and runs the command itself
                }
                frame = SessionFrames.read(in);
            } catch (AsynchronousCloseException e) {
                log.println("neuron-atlas serve: a client on " + socket.socket() + " sent no request within "
                        + describe(requestDeadline) + "; hung up on it");
                return;
            } finally {
                deadline.cancel(false);
            }
            if (!client.isOpen()) {
                return; // hung up on just as its request arrived
            }
            if (frame.type() != SessionFrames.REQUEST) {
                throw new IOException("a client sent frame '" + (char) frame.type() + "' where a request belongs");
            }
            SessionFrames.Request request = SessionFrames.Request.decode(frame.body());
            if (!request.atlas().equals(socket.atlas().toString())
                    || !SessionClient.FORWARDED.contains(request.argv().get(0)) || !current()) {
                SessionFrames.write(to, SessionFrames.NO_SESSION, ("this session answers "
                        + SessionClient.FORWARDED + " for " + socket.atlas()).getBytes(StandardCharsets.UTF_8));
                return;
            }
            run(client, request, to);
        } catch (EOFException e) {
            // A client that connected and left: SessionServer.answers probing, or a client killed at once.
        } catch (IOException | RuntimeException e) {
            log.println("neuron-atlas serve: a request on " + socket.socket() + " failed: " + Errors.describe(e));
        }
    }

    /**
     * Opens the atlas again if its files changed since it was opened, as a one-off would read them now; false when
     * that fails (a map writing it right now): the client then runs the command itself and says what is wrong.
     */
    private boolean current() {
        try {
            AtlasStamp now = AtlasStamp.of(socket.atlas());
            if (!now.equals(stamp)) {
                atlas = opener.open();
                stamp = now;
                log.println("neuron-atlas serve: " + socket.atlas() + " changed, opened it again");
            }
            return true;
        } catch (IOException | RuntimeException e) {
            log.println("neuron-atlas serve: " + socket.atlas() + " changed and could not be opened again: "
                    + Errors.describe(e));
            return false;
        }
    }

    private void run(SocketChannel client, SessionFrames.Request request, DataOutputStream to) throws IOException {
        Charset charset = Charset.isSupported(request.charset()) ? Charset.forName(request.charset())
                : Charset.defaultCharset();
        // A frame per line, as the one-off's System.out flushes its lines, so stdout and stderr interleave alike.
        PrintStream out = new PrintStream(new BufferedOutputStream(SessionFrames.frames(to, SessionFrames.OUT)), true,
                charset);
        PrintStream err = new PrintStream(new BufferedOutputStream(SessionFrames.frames(to, SessionFrames.ERR)), true,
                charset);
        String[] argv = request.argv().toArray(new String[0]);
        String group = groups.begin(String.join(" ", argv));
        watchHangUp(client, group);
        long t0 = System.nanoTime();
        int code;
        try {
            code = Main.run("neuron-atlas", commands, argv, out, err);
        } finally {
            groups.end();
            // An interrupt left by a cancel would end the loop's next select at once and close the channel this
            // thread writes the exit code to.
            Thread.interrupted();
        }
        out.flush();
        err.flush();
        boolean cancelled = groups.wasCancelled(group);
        if (!cancelled) {
            SessionFrames.writeInt(to, SessionFrames.EXIT, code);
        }
        log.printf(Locale.ROOT, "neuron-atlas serve: %s, %s in %.3f s%n", argv[0],
                cancelled ? "cancelled (the client hung up)" : "exit " + code, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Waits for the client to hang up while its command runs; then cancels the command's job group. A client sends
     * nothing after its request, so the read returns only at its end.
     */
    private void watchHangUp(SocketChannel client, String group) {
        Thread watcher = new Thread(() -> {
            ByteBuffer one = ByteBuffer.allocate(1);
            try {
                while (client.read(one) >= 0) {
                    one.clear();
                }
                groups.cancel(group);
            } catch (IOException e) {
                // Closed here once the answer is written (the group has ended: nothing to cancel), or reset by a
                // client that died.
                groups.cancel(group);
            }
        }, "neuron-atlas-serve-hang-up");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** A one-off command as the session runs it: the same parsing and answer, on the atlas opened once. */
    private Command served(QueryCommand<?> command) {
        return new Command() {
            @Override
            public String name() {
                return command.name();
            }

            @Override
            public String summary() {
                return command.summary();
            }

            @Override
            public int run(String[] args, PrintStream out, PrintStream err) throws Exception {
                return command.runOpened(atlas, args, out, err);
            }
        };
    }

    static String describe(Duration idle) {
        return idle.toMillis() % 60_000 == 0 ? idle.toMinutes() + " minute" + (idle.toMinutes() == 1 ? "" : "s")
                : idle.toMillis() / 1000.0 + " s";
    }

    private Object fileKey() throws IOException {
        return Files.readAttributes(socket.socket(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    /** Closes a client's connection: its blocked read ends with an AsynchronousCloseException. */
    private static void hangUp(SocketChannel client) {
        try {
            client.close();
        } catch (IOException e) {
            // closing is all that was wanted
        }
    }

    /** Stops listening and removes the socket file, unless another server has bound one there since. */
    @Override
    public synchronized void close() throws IOException {
        stopped = true;
        deadlines.shutdownNow();
        server.close();
        selector.close();
        try {
            if (fileKey != null && fileKey.equals(fileKey())) {
                Files.deleteIfExists(socket.socket());
            }
        } catch (java.nio.file.NoSuchFileException gone) {
            // removed already (a second close: the shutdown hook after the loop ended)
        }
    }
}
