package io.neuronatlas.compute.device;

import java.util.Locale;

/** What the user asked for with --device. */
public enum DeviceMode {
    /** The GPU Spark assigned to the task, else the CPU. */
    AUTO,
    CPU,
    /** A GPU, or a failed task: never a silent fall back to the CPU. */
    GPU;

    public static DeviceMode parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--device must be auto, cpu or gpu, found '" + text + "'", e);
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
