package io.neuronatlas.checkpoint.files;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.Optional;

/**
 * Reading the small files a run depends on (config.json, an index, a catalog entry, a query file) within a size
 * bound, so that a 3 GB config.json, /dev/zero or a FIFO ends in a clear error instead of an OutOfMemoryError or a
 * read that never returns; and saying what a path is when it is not a plain file.
 */
public final class InputFile {
    public static final long MIB = 1L << 20;

    private InputFile() {
    }

    /** An input that is not what it must be: too large, not a plain file. The message names the file. */
    public static final class InputFileException extends IOException {
        private static final long serialVersionUID = 1L;

        public InputFileException(String message) {
            super(message);
        }
    }

    /**
     * Empty for a regular file (or a link to one); else what is wrong, as a predicate: "not found", "is a
     * directory", "is a FIFO (named pipe)", "is a character device", ....
     */
    public static Optional<String> notRegular(Path path) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return Optional.of(Files.isSymbolicLink(path) ? "is a symbolic link to nothing" : "not found");
        } catch (IOException e) {
            return Optional.of("cannot be read (" + e.getMessage() + ")");
        }
        if (attributes.isRegularFile()) {
            return Optional.empty();
        }
        if (attributes.isDirectory()) {
            return Optional.of("is a directory");
        }
        return Optional.of("is " + special(path));
    }

    /** Device, FIFO or socket, from the Unix file mode where the platform tells it. */
    private static String special(Path path) {
        try {
            int type = (Integer) Files.getAttribute(path, "unix:mode") & 0170000;
            return switch (type) {
                case 0010000 -> "a FIFO (named pipe)";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0140000 -> "a socket";
                default -> "not a regular file";
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "not a regular file";
        }
    }

    /**
     * The whole of a regular file of at most {@code maxBytes} bytes.
     *
     * @param what what the file is, for messages ("config.json")
     * @throws InputFileException naming the file when it is not a regular file or is larger than the bound
     */
    public static byte[] readRegular(Path file, long maxBytes, String what) throws IOException {
        Optional<String> kind = notRegular(file);
        if (kind.isPresent()) {
            throw new InputFileException(file + ": " + kind.get() + "; expected " + what + " as a regular file");
        }
        long size = Files.size(file);
        if (size > maxBytes) {
            throw tooLarge(file, what, "is " + String.format(Locale.ROOT, "%,d", size) + " bytes", maxBytes);
        }
        return readAtMost(file, maxBytes, what);
    }

    /**
     * Up to {@code maxBytes} bytes of any readable path (a file, a pipe such as {@code <(...)}), refusing a longer
     * one rather than reading on: {@code /dev/zero} ends after the bound, not in an OutOfMemoryError.
     */
    public static byte[] readAtMost(Path file, long maxBytes, String what) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] chunk = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = in.read(chunk)) >= 0; ) {
                total += n;
                if (total > maxBytes) {
                    throw tooLarge(file, what, "goes on past " + maxBytes / MIB + " MiB", maxBytes);
                }
                bytes.write(chunk, 0, n);
            }
        }
        return bytes.toByteArray();
    }

    private static InputFileException tooLarge(Path file, String what, String found, long maxBytes) {
        return new InputFileException(file + ": " + found + ", more than the " + maxBytes / MIB + " MiB that "
                + what + " may hold; refused rather than read into memory");
    }

    /**
     * The line for an input that did not fit in memory: the input, this JVM's heap limit, and the setting to raise.
     */
    public static String outOfMemory(String input) {
        return needsMemory(input, "ran out of memory (this JVM may use at most "
                + String.format(Locale.ROOT, "%,d", Runtime.getRuntime().maxMemory() / MIB) + " MiB of heap)");
    }

    /** The line for an input refused because it would not fit: why, and the setting to raise. */
    public static String needsMemory(String input, String why) {
        return input + ": " + why + "; give the driver more memory: ./submit.sh --driver-memory 8g ... "
                + "(spark.driver.memory), or -Xmx8g when running java yourself";
    }
}
