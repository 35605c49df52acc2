package io.neuronatlas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.synthetic.PlantedNeuron;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.ReadOnlySql;
import io.neuronatlas.testing.Cli;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.scheduler.JobFailed;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * serve and the one-offs forwarded to it: a server in this JVM on a small atlas, in a socket folder of the test's
 * own, asked by SessionClient as submit.sh asks it. A forwarded command must print and exit exactly as the one-off
 * run in-process does (the reference); a client that hangs up has its Spark jobs cancelled, and the server goes on.
 */
class SessionServerTest {
    @TempDir
    static Path dir;
    static String atlas;
    static PlantedNeuron dog;
    /** As $XDG_RUNTIME_DIR: the client run as a process finds the socket folder under it. */
    static Path runtime;
    static Path sockets;
    static Path model;
    static SessionServer server;
    static Thread loop;
    static final ByteArrayOutputStream LOG = new ByteArrayOutputStream();

    @BeforeAll
    static void mapAndServe() throws Exception {
        SyntheticCheckpoint.Written model = new SyntheticCheckpoint().layers(2).dModel(64).dMlp(96).vocab(600)
                .seed(5).plantDogAndCalifornia().write(dir.resolve("tiny"));
        dog = model.planted().get(0);
        SessionServerTest.model = model.dir();
        atlas = dir.resolve("atlas").toString();
        Maps.of(model.dir(), dir.resolve("atlas")).checkpoint("base").watch(" dog").run();
        runtime = dir.resolve("runtime");
        sockets = runtime.resolve("neuron-atlas");
        server = SessionServer.bind(opener(atlas), SessionSocket.of(sockets, atlas), Duration.ofMinutes(5),
                new PrintStream(LOG, true, StandardCharsets.UTF_8));
        loop = serving(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
        loop.join(30_000);
        server.close();
    }

    /** As serve opens an atlas: read-only, on a session of its own. */
    static SessionServer.Opener opener(String dir) {
        return () -> Atlas.openForQueries(ReadOnlySql.session(TestSpark.session()), dir);
    }

    static Thread serving(SessionServer s) {
        Thread t = new Thread(() -> {
            try {
                s.serve();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "test-serve");
        t.start();
        return t;
    }

    /** The one-off forwarded, as submit.sh's client runs it. */
    static Cli.Result forwarded(Path socketDir, String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SessionClient.run(List.of(argv), socketDir, out, err, StandardCharsets.UTF_8);
        return new Cli.Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aForwardedCommandPrintsAndExitsAsTheOneOff() {
        List<String[]> commands = List.of(
                new String[] {"find-token", "--atlas", atlas, " dog", "--limit", "3"},
                new String[] {"top-neurons", "--atlas", atlas, "--matrix", "up", "--layer",
                        Integer.toString(dog.layer()), "--limit", "2"},
                new String[] {"profile", "--atlas", atlas, " dog", "--limit", "2"},
                new String[] {"alignment", "--atlas", atlas, "--format", "csv"},
                // SQL, with a control character in a cell: shown escaped in the table
                new String[] {"sql", "--atlas", atlas, "SELECT neuron_id(matrix, layer, neuron) AS id, token, "
                        + "concat('a', chr(27), '[2J') AS esc FROM neuron_tokens WHERE token = ' dog' AND rank = 1 "
                        + "ORDER BY normalized_prob DESC LIMIT 2"},
                // a bad option: scopt's lines on stderr, exit 2
                new String[] {"find-token", "--atlas", atlas, " dog", "--bogus"},
                // the read-only guard's refusals, and an error of Spark's own
                new String[] {"sql", "--atlas", atlas, "INSERT INTO neurons SELECT * FROM neurons"},
                new String[] {"sql", "--atlas", atlas, "SELECT java_method('java.lang.System', 'exit', 1) AS x"},
                new String[] {"sql", "--atlas", atlas, "SELECT nope FROM neurons"});
        List<Cli.Result> oneOffs = new java.util.ArrayList<>();
        for (String[] argv : commands) {
            Cli.Result oneOff = Cli.run(argv);
            Cli.Result served = forwarded(sockets, argv);
            String what = String.join(" ", argv);
            assertEquals(oneOff, served, what);
            assertFalse(oneOff.out().isEmpty() && oneOff.err().isEmpty(), "the one-off printed something: " + what);
            oneOffs.add(oneOff);
        }
        // The reference said what the test means it to say: rows, escapes, refusals and usage errors.
        assertTrue(oneOffs.get(0).out().contains("Neurons for token \" dog\" in " + atlas + ":"));
        assertTrue(oneOffs.get(4).out().contains("a\\x1b[2J"), oneOffs.get(4).out());
        assertEquals(2, oneOffs.get(5).code());
        Cli.Result refused = oneOffs.get(6);
        assertEquals(1, refused.code());
        assertTrue(refused.err().startsWith("neuron-atlas sql: refused: "), refused.err());
        assertTrue(LOG.toString(StandardCharsets.UTF_8).contains("neuron-atlas serve: sql, exit 1 in "),
                LOG.toString());
    }

    @Test
    void whatASessionDoesNotServeRunsOnItsOwn() throws Exception {
        String other = dir.resolve("tiny").toString(); // a folder that exists, but no session serves it
        assertEquals(SessionClient.NO_SESSION, forwarded(sockets, "find-token", "--atlas", other, " dog").code());
        assertEquals(SessionClient.NO_SESSION, forwarded(sockets, "find-token", "--atlas", atlas, " dog",
                "--master", "local[1]").code());
        assertEquals(SessionClient.NO_SESSION, forwarded(sockets, "sql", "--atlas", atlas, "-f", "q.sql").code());
        assertEquals(SessionClient.NO_SESSION, forwarded(sockets, "compare", "--atlas", atlas, "a", "b").code());
        assertEquals(SessionClient.NO_SESSION, forwarded(sockets, "find-token", "--atlas",
                dir.resolve("missing").toString(), " dog").code());
        assertEquals(SessionClient.NO_SESSION, forwarded(dir.resolve("no-sockets"), "find-token", "--atlas", atlas,
                " dog").code());
        // A socket folder others may enter could hold anyone's socket: the client will not talk to it.
        assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(sockets));
        Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwxr-xr-x"));
        try {
            assertEquals(SessionClient.NO_SESSION, forwarded(sockets, "find-token", "--atlas", atlas, " dog").code());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> SessionSocket.of(sockets, atlas).createDir());
            assertTrue(e.getMessage().contains(sockets + " has permissions rwxr-xr-x"), e.getMessage());
        } finally {
            Files.setPosixFilePermissions(sockets, SessionSocket.OWNER_ONLY);
        }
        assertEquals(0, forwarded(sockets, "find-token", "--atlas", atlas, " dog").code());

        // A client of another protocol version hears the server's and nothing more: it runs the command itself.
        try (SocketChannel stranger = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            stranger.connect(UnixDomainSocketAddress.of(SessionSocket.of(sockets, atlas).socket()));
            DataOutputStream to = new DataOutputStream(SessionFrames.output(stranger));
            DataInputStream from = new DataInputStream(SessionFrames.input(stranger));
            SessionFrames.writeInt(to, SessionFrames.HELLO, SessionFrames.VERSION + 1);
            SessionFrames.Frame hello = SessionFrames.read(from);
            assertEquals(SessionFrames.HELLO, hello.type());
            assertEquals(SessionFrames.VERSION, SessionFrames.intOf(hello));
            assertThrows(java.io.EOFException.class, () -> SessionFrames.read(from), "then it hangs up");
        }
    }

    @Test
    void aClientThatSendsNoRequestIsHungUpOnAndTheNextOneAnswered() throws Exception {
        SessionSocket socket = SessionSocket.of(dir.resolve("silent"), atlas);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (SessionServer s = SessionServer.bind(opener(atlas), socket, Duration.ofMinutes(1), Duration.ofMillis(500),
                new PrintStream(log, true, StandardCharsets.UTF_8))) {
            Thread t = serving(s);
            try (SocketChannel silent = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                silent.connect(UnixDomainSocketAddress.of(socket.socket()));
                // Sends nothing: without a deadline the server would wait on it for ever, and so would this read.
                int read = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(30),
                        () -> silent.read(java.nio.ByteBuffer.allocate(16)));
                assertEquals(-1, read, "the server hung up");
            }
            assertEquals(Cli.run("alignment", "--atlas", atlas), forwarded(socket.dir(), "alignment", "--atlas",
                    atlas), "the next client is answered");
            assertTrue(log.toString(StandardCharsets.UTF_8).contains("sent no request within 0.5 s; hung up on it"),
                    log.toString(StandardCharsets.UTF_8));
            s.stop();
            t.join(30_000);
        }
    }

    @Test
    void aStaleSocketIsReplacedAndALiveOneRefused() throws Exception {
        SessionSocket socket = SessionSocket.of(dir.resolve("stale"), atlas);
        socket.createDir();
        // A server killed with -9 leaves its socket file; nobody listens on it.
        ServerSocketChannel killed = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        killed.bind(UnixDomainSocketAddress.of(socket.socket()));
        killed.close();
        assertTrue(Files.exists(socket.socket(), LinkOption.NOFOLLOW_LINKS));
        assertEquals(SessionClient.NO_SESSION, forwarded(socket.dir(), "find-token", "--atlas", atlas, " dog")
                .code(), "connect refused: no session");

        try (SessionServer second = SessionServer.bind(opener(atlas), socket, Duration.ofMinutes(1), System.err)) {
            Thread t = serving(second);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> SessionServer.bind(opener(atlas), socket, Duration.ofMinutes(1), System.err));
            assertTrue(e.getMessage().contains("a session already serves " + socket.atlas() + " on "
                    + socket.socket()), e.getMessage());
            assertEquals(Cli.run("alignment", "--atlas", atlas), forwarded(socket.dir(), "alignment", "--atlas",
                    atlas));
            second.stop();
            t.join(30_000);
        }
        assertFalse(Files.exists(socket.socket(), LinkOption.NOFOLLOW_LINKS), "close removed the socket");
    }

    @Test
    void aClientThatHangsUpHasItsQueryCancelledAndTheServerGoesOn() throws Exception {
        Map<Integer, String> groups = new ConcurrentHashMap<>();
        List<Integer> ended = new CopyOnWriteArrayList<>();
        List<Integer> cancelled = new CopyOnWriteArrayList<>();
        CountDownLatch started = new CountDownLatch(1);
        SparkListener listener = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart start) {
                String group = start.properties().getProperty("spark.jobGroup.id");
                // Tests run one at a time: serve's only job now is the slow query's.
                if (group != null && group.startsWith("neuron-atlas-serve-")) {
                    groups.put(start.jobId(), group);
                    started.countDown();
                }
            }

            @Override
            public void onJobEnd(SparkListenerJobEnd end) {
                if (groups.containsKey(end.jobId())) {
                    ended.add(end.jobId());
                    if (end.jobResult() instanceof JobFailed failed
                            && failed.exception().getMessage().contains("cancelled")) {
                        cancelled.add(end.jobId());
                    }
                }
            }
        };
        TestSpark.session().sparkContext().addSparkListener(listener);
        try {
            // The client as submit.sh runs it: its own JVM with only the product's classes, the socket folder
            // found under $XDG_RUNTIME_DIR. Killing it is what Ctrl-C does.
            Path classes = Path.of(SessionClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-cp", classes.toString(), SessionClient.class.getName(), "sql",
                    "--atlas", atlas, "SELECT sum(id % 7) AS s FROM range(0, 1000000000000)");
            pb.environment().put("XDG_RUNTIME_DIR", runtime.toString());
            pb.redirectErrorStream(true);
            Process client = pb.start();
            assertTrue(started.await(60, TimeUnit.SECONDS), "the request started jobs in a job group of serve's");
            // The slow query's job is the one that keeps running (registering the views ran short jobs first).
            int slow = -1;
            long since = System.nanoTime();
            long deadline = since + 60_000_000_000L;
            while (System.nanoTime() < deadline) {
                List<Integer> running = groups.keySet().stream().filter(id -> !ended.contains(id)).toList();
                int now = running.size() == 1 ? running.get(0) : -1;
                if (now != slow) {
                    slow = now;
                    since = System.nanoTime();
                } else if (slow >= 0 && System.nanoTime() - since > 1_000_000_000L) {
                    break;
                }
                Thread.sleep(20);
            }
            assertTrue(slow >= 0, "a job of the request ran on: " + groups + ", ended " + ended);
            client.destroy();
            assertTrue(client.waitFor(30, TimeUnit.SECONDS));
            deadline = System.nanoTime() + 60_000_000_000L;
            while (cancelled.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(List.of(slow), cancelled, "the slow query's job was cancelled: " + groups);
            assertEquals(groups.keySet(), Set.copyOf(ended), "no job of the query runs on");
            assertEquals(1, Set.copyOf(groups.values()).size(), "one request, one job group: " + groups);
            // The server goes on: the next request is answered as the one-off answers it.
            String[] next = {"find-token", "--atlas", atlas, " dog", "--limit", "1"};
            assertEquals(Cli.run(next), forwarded(sockets, next));
            assertTrue(LOG.toString(StandardCharsets.UTF_8).contains("sql, cancelled (the client hung up)"),
                    LOG.toString());
        } finally {
            TestSpark.session().sparkContext().removeSparkListener(listener);
        }
    }

    @Test
    void aSessionReadsTheAtlasAsItIsNowAsTheOneOffDoes() throws Exception {
        // A copy of the atlas, then a second checkpoint mapped into it while a session serves it.
        Path copy = dir.resolve("changing");
        try (var files = Files.walk(Path.of(atlas))) {
            for (Path from : files.toList()) {
                Files.copy(from, copy.resolve(Path.of(atlas).relativize(from).toString()));
            }
        }
        SessionSocket socket = SessionSocket.of(dir.resolve("changing-sockets"), copy.toString());
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        String[] findToken = {"find-token", "--atlas", copy.toString(), " dog", "--limit", "4"};
        try (SessionServer changing = SessionServer.bind(opener(copy.toString()), socket, Duration.ofMinutes(1),
                new PrintStream(log, true, StandardCharsets.UTF_8))) {
            Thread t = serving(changing);
            Cli.Result before = forwarded(socket.dir(), findToken);
            assertEquals(Cli.run(findToken), before);
            Maps.of(model, copy).checkpoint("again").topK(5).run();
            Cli.Result after = forwarded(socket.dir(), findToken);
            assertEquals(Cli.run(findToken), after);
            assertTrue(after.out().contains("\nagain "), "the new checkpoint's rows: " + after.out());
            assertFalse(before.out().contains("\nagain "), before.out());
            assertTrue(log.toString(StandardCharsets.UTF_8).contains(socket.atlas() + " changed, opened it again"),
                    log.toString());
            changing.stop();
            t.join(30_000);
        }
    }

    @Test
    void anIdleServerEndsAndRemovesItsSocket() throws Exception {
        SessionSocket socket = SessionSocket.of(dir.resolve("idle"), atlas);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        try (SessionServer idle = SessionServer.bind(opener(atlas), socket, Duration.ofMillis(700),
                new PrintStream(log, true, StandardCharsets.UTF_8))) {
            assertEquals(SessionSocket.OWNER_ONLY, Files.getPosixFilePermissions(socket.dir()), "made with 0700");
            idle.serve(); // returns by itself
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds >= 0.7 && seconds < 20, seconds + " s");
        assertFalse(Files.exists(socket.socket(), LinkOption.NOFOLLOW_LINKS));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("no request for 0.7 s, ending"), log.toString());
    }

    @Test
    void serveRefusesAnIdleTimeBelowAMinute() {
        Cli.Result r = Cli.run("serve", "--atlas", atlas, "--idle-minutes", "0");
        assertEquals(1, r.code());
        assertEquals("neuron-atlas serve: --idle-minutes must be at least 1, found 0", r.err().strip());
    }
}
