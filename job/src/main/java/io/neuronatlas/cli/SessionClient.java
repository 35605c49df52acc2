package io.neuronatlas.cli;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A one-off query forwarded to the warm session {@code serve} keeps for its atlas: submit.sh runs this first, with
 * the one-off's arguments, in a JVM that starts in a tenth of a second; it sends them to the session, copies the
 * answer to standard output and error, and exits with the command's code. When no session answers for that atlas,
 * or the command is not one a session runs, it exits {@link #NO_SESSION} at once and submit.sh runs the command
 * itself. JDK classes only (and the two JDK-only classes it shares with the server): loading a Spark or Scala class
 * here would cost the start this is for.
 */
public final class SessionClient {
    /** "No session: run it yourself" (sysexits' EX_TEMPFAIL): never a code of the commands themselves. */
    public static final int NO_SESSION = 75;

    /**
     * The one-off commands a session answers: the read-only lookups. compare writes its tables and sql -f reads a
     * file, both by paths of the caller's working folder, so they run on their own.
     */
    static final Set<String> FORWARDED = Set.of("find-token", "top-neurons", "profile", "alignment", "sql");

    private SessionClient() {
    }

    public static void main(String[] args) {
        // PrintStream.write(byte[]) passes bytes unchanged: the server encoded the text in this JVM's charset.
        String encoding = System.getProperty("sun.stdout.encoding");
        Charset charset = encoding != null && Charset.isSupported(encoding) ? Charset.forName(encoding)
                : Charset.defaultCharset();
        System.exit(run(List.of(args), SessionSocket.defaultDir(), System.out, System.err, charset));
    }

    /**
     * Forwards argv to the session of its atlas in the socket folder dir.
     *
     * @param charset what the command's text is encoded in, as a one-off in this terminal would encode it
     * @return the command's exit code, or {@link #NO_SESSION}
     */
    static int run(List<String> argv, Path dir, OutputStream out, OutputStream err, Charset charset) {
        String atlas = forwardedAtlas(argv);
        if (atlas == null) {
            return NO_SESSION;
        }
        SessionSocket socket;
        try {
            socket = SessionSocket.of(dir, atlas);
        } catch (IOException | RuntimeException e) {
            return NO_SESSION; // no such atlas: the one-off says so in its own words
        }
        // A folder another user could have made or can write to might hold their socket: never talk to it.
        if (!Files.exists(socket.socket(), LinkOption.NOFOLLOW_LINKS) || !socket.dirIsPrivate()) {
            return NO_SESSION;
        }
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket.socket()));
        } catch (IOException e) {
            return NO_SESSION; // a socket left by a session that was killed: nobody listens
        }
        try (channel) {
            return exchange(channel, socket, new SessionFrames.Request(socket.atlas().toString(), charset.name(),
                    argv), out, err);
        }  catch (IOException e) {
            return NO_SESSION;
        }
    }

    private static int exchange(SocketChannel channel, SessionSocket socket, SessionFrames.Request request,
                                OutputStream out, OutputStream err) throws IOException {
        DataOutputStream to = new DataOutputStream(new BufferedOutputStream(SessionFrames.output(channel)));
        DataInputStream from = new DataInputStream(new BufferedInputStream(SessionFrames.input(channel)));
        SessionFrames.writeInt(to, SessionFrames.HELLO, SessionFrames.VERSION);
        SessionFrames.Frame hello = SessionFrames.read(from);
        if (hello.type() != SessionFrames.HELLO || SessionFrames.intOf(hello) != SessionFrames.VERSION) {
            return NO_SESSION; // a session of another build
        }
        SessionFrames.write(to, SessionFrames.REQUEST, request.encode());
        boolean answered = false;
        try {
            while (true) {
                SessionFrames.Frame frame = SessionFrames.read(from);
                switch (frame.type()) {
                    case SessionFrames.OUT -> {
                        out.write(frame.body());
                        answered = true;
                    }
                    case SessionFrames.ERR -> {
                        out.flush();
                        err.write(frame.body());
                        err.flush();
                        answered = true;
                    }
                    case SessionFrames.EXIT -> {
                        int code = SessionFrames.intOf(frame);
                        out.flush();
                        err.flush();
                        return code;
                    }
                    case SessionFrames.NO_SESSION -> {
                        return NO_SESSION;
                    }
                    default -> throw new IOException("an unknown frame '" + (char) frame.type() + "'");
                }
            }
        } catch (IOException e) {
            if (!answered) {
                return NO_SESSION; // ended before a word of the answer: the command can still run here
            }
            // Part of the answer is printed: running the command again would print it twice.
            PrintStream message = new PrintStream(err, true, StandardCharsets.UTF_8);
            message.println("neuron-atlas: the session on " + socket.socket() + " ended before its answer did ("
                    + e.getMessage() + ")");
            return 1;
        }
    }

    /**
     * The --atlas of a command line a session may answer, else null: a command it runs, one --atlas, no --master (a
     * cluster's one-off runs there) and no sql --file.
     */
    static String forwardedAtlas(List<String> argv) {
        if (argv.isEmpty() || !FORWARDED.contains(argv.get(0))) {
            return null;
        }
        String atlas = null;
        int atlases = 0;
        for (int i = 1; i < argv.size(); i++) {
            String word = argv.get(i);
            if (word.equals("--master") || word.startsWith("--master=") || word.equals("-f")
                    || word.equals("--file") || word.startsWith("--file=")) {
                return null;
            }
            if (word.equals("--atlas") && i + 1 < argv.size()) {
                atlas = argv.get(++i);
                atlases++;
            } else if (word.startsWith("--atlas=")) {
                atlas = word.substring("--atlas=".length());
                atlases++;
            }
        }
        return atlases == 1 ? atlas : null;
    }
}
