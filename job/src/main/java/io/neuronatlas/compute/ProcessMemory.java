package io.neuronatlas.compute;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This JVM's memory as the operating system sees it: heap, native libtorch buffers and code together. */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {
    }

    /** Peak resident set size (Linux VmHWM) in bytes, or -1 where /proc is not available. */
    public static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmHWM:")) {
                    return parseKiloBytes(line);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** "VmHWM:     123456 kB" -> bytes. */
    static long parseKiloBytes(String line) {
        String[] parts = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        if (parts.length != 2 || !parts[1].equals("kB")) {
            throw new IllegalArgumentException("unexpected /proc/self/status line: " + line);
        }
        return Long.parseLong(parts[0]) * 1024;
    }
}
