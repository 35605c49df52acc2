package io.neuronatlas.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Streams a byte range of a file, chunk by chunk, with positional reads: the I/O half of a fingerprint. */
final class TensorBytes {
    static final int CHUNK = 1 << 20;

    /** Receives consecutive chunks of a byte range; the array is reused between calls. */
    interface Sink {
        void accept(byte[] chunk, int length) throws IOException;
    }

    private TensorBytes() {
    }

    /** Feeds bytes [start, end) of file to sink; fails if the file ends early. */
    static void stream(Path file, long start, long end, Sink sink) throws IOException {
        byte[] chunk = new byte[CHUNK];
        ByteBuffer buffer = ByteBuffer.wrap(chunk);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long position = start;
            while (position < end) {
                buffer.clear().limit((int) Math.min(CHUNK, end - position));
                while (buffer.hasRemaining()) {
                    int read = channel.read(buffer, position + buffer.position());
                    if (read < 0) {
                        throw new IOException(file + ": ends at byte " + (position + buffer.position())
                                + " inside a tensor that should end at byte " + end);
                    }
                }
                sink.accept(chunk, buffer.limit());
                position += buffer.limit();
            }
        }
    }
}
