package io.neuronatlas.compute.forward;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * The element type weights and activations have on the device. Norms and softmax always run in float32, as in
 * Hugging Face's Llama; BFLOAT16 is deliberately absent: DJL 0.35.1 ends the JVM on BFLOAT16 tensors.
 */
public enum Precision {
    FP32(DataType.FLOAT32, 4),
    /** Half the memory of FP32; for GPUs only, where half-precision matrix products are fast. */
    FP16(DataType.FLOAT16, 2);

    private final DataType dataType;
    private final int bytes;

    Precision(DataType dataType, int bytes) {
        this.dataType = dataType;
        this.bytes = bytes;
    }

    public DataType dataType() {
        return dataType;
    }

    /** Bytes per weight on the device. */
    public int bytes() {
        return bytes;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Refuses half precision on a CPU, where PyTorch's half kernels are slow and gain nothing but memory.
     *
     * @throws IllegalArgumentException naming the device and the way out
     */
    public void checkDevice(Device device) {
        if (this == FP16 && !device.isGpu()) {
            throw new IllegalArgumentException("precision fp16 is for GPUs; on " + device + " use fp32");
        }
    }

    public static Precision parse(String text) {
        for (Precision p : values()) {
            if (p.label().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("precision must be fp32 or fp16, found '" + text + "'");
    }
}
