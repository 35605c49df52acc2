package io.neuronatlas.cli;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The session protocol: frames of a type byte, a length and that many bytes, over a Unix domain socket.
 *
 * <pre>
 * client: HELLO(version)  REQUEST(atlas, charset, argv)
 * server: HELLO(version)  then OUT(bytes) and ERR(bytes) in the order written, then EXIT(code),
 *         or NO_SESSION(reason) when it does not serve what was asked
 * </pre>
 *
 * A client that finds another version, or NO_SESSION, runs the command itself. JDK classes only (the client).
 */
final class SessionFrames {
    /** Raised when the frames change; a client and a server of different builds then never talk. */
    static final int VERSION = 1;

    static final byte HELLO = 'H';
    static final byte REQUEST = 'Q';
    static final byte OUT = 'O';
    static final byte ERR = 'E';
    static final byte EXIT = 'X';
    static final byte NO_SESSION = 'N';

    /** A request is a command line; a megabyte is no command line a person typed. */
    static final int MAX_FRAME = 1 << 20;

    private SessionFrames() {
    }

    /** One frame as read. */
    record Frame(byte type, byte[] body) {
        Frame {
            if (body == null) {
                throw new IllegalArgumentException("a frame needs a body (empty for none)");
            }
        }

        DataInputStream data() {
            return new DataInputStream(new java.io.ByteArrayInputStream(body));
        }
    }

    /** What a client asks: the canonical atlas it means, its terminal's charset and the one-off's argv. */
    record Request(String atlas, String charset, List<String> argv) {
        Request {
            argv = List.copyOf(argv);
            if (argv.isEmpty()) {
                throw new IllegalArgumentException("a request names a command");
            }
        }

        byte[] encode() throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            writeString(out, atlas);
            writeString(out, charset);
            out.writeInt(argv.size());
            for (String word : argv) {
                writeString(out, word);
            }
            return bytes.toByteArray();
        }

        static Request decode(byte[] body) throws IOException {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(body));
            String atlas = readString(in);
            String charset = readString(in);
            int words = in.readInt();
            if (words < 1 || words > body.length) {
                throw new IOException("a request of " + words + " words");
            }
            List<String> argv = new ArrayList<>(words);
            for (int i = 0; i < words; i++) {
                argv.add(readString(in));
            }
            return new Request(atlas, charset, argv);
        }
    }

    static void write(DataOutputStream out, byte type, byte[] body) throws IOException {
        synchronized (out) {
            out.writeByte(type);
            out.writeInt(body.length);
            out.write(body);
            out.flush();
        }
    }

    static void writeInt(DataOutputStream out, byte type, int value) throws IOException {
        write(out, type, ByteBuffer.allocate(Integer.BYTES).putInt(value).array());
    }

    /** The next frame; EOFException when the other side closed between frames. */
    static Frame read(DataInputStream in) throws IOException {
        byte type = in.readByte();
        int length = in.readInt();
        if (length < 0 || length > MAX_FRAME) {
            throw new IOException("a frame of " + length + " bytes (at most " + MAX_FRAME + ")");
        }
        byte[] body = new byte[length];
        in.readFully(body);
        return new Frame(type, body);
    }

    static int intOf(Frame frame) throws IOException {
        if (frame.body().length != Integer.BYTES) {
            throw new IOException("frame '" + (char) frame.type() + "' holds " + frame.body().length
                    + " bytes, not a number");
        }
        return ByteBuffer.wrap(frame.body()).getInt();
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_FRAME) {
            throw new EOFException("a string of " + length + " bytes");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * The channel as a stream, read straight from the channel. Channels.newInputStream and newOutputStream hold the
     * channel's blocking lock while they wait (JDK 17), so the server could not write a result while another thread
     * waits to read the client's hang-up.
     */
    static InputStream input(SocketChannel channel) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return len == 0 ? 0 : channel.read(ByteBuffer.wrap(b, off, len));
            }
        };
    }

    /** The channel as a stream, written straight to the channel (see {@link #input}). */
    static OutputStream output(SocketChannel channel) {
        return new BlockStream() {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
        };
    }

    /** A stream whose every write is one frame of type: what the server prints goes to the client as it comes. */
    static OutputStream frames(DataOutputStream to, byte type) {
        return new BlockStream() {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                SessionFrames.write(to, type, java.util.Arrays.copyOfRange(b, off, off + len));
            }
        };
    }

    /**
     * A stream that writes blocks; a single byte is a block of one. (Classes, not lambdas: the client's JVM would
     * start the lambda machinery for them.)
     */
    private abstract static class BlockStream extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public abstract void write(byte[] b, int off, int len) throws IOException;
    }
}
