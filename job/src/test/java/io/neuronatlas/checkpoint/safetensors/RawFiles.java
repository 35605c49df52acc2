package io.neuronatlas.checkpoint.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Hand-made safetensors bytes, for files the writer would never produce. */
final class RawFiles {

    private RawFiles() {
    }

    /** Length prefix, {@code headerJson} as UTF-8, then {@code dataBytes} zero bytes. */
    static Path write(Path file, String headerJson, int dataBytes) throws IOException {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bytes = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(header.length).put(header);
        return Files.write(file, bytes.array());
    }

    /** Just a length prefix claiming {@code headerLength}, followed by {@code trailingBytes} spaces. */
    static Path writePrefix(Path file, long headerLength, int trailingBytes) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(8 + trailingBytes).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(headerLength);
        while (bytes.hasRemaining()) {
            bytes.put((byte) ' ');
        }
        return Files.write(file, bytes.array());
    }
}
