package io.neuronatlas.checkpoint;

import io.neuronatlas.checkpoint.safetensors.Floats;
import io.neuronatlas.checkpoint.safetensors.TensorInfo;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Refuses a tensor holding NaN or ±Inf, checking its raw bytes as the fingerprint streams them. One NaN in the LM
 * head row of a token ranks that token first for every neuron; one in a neuron turns every statistic of its layer
 * into NaN; so the map reads only finite weights. The error names the file, the tensor, the first bad row and column
 * and the value.
 *
 * <p>A value is non-finite when its exponent bits are all ones (BF16 0x7F80, F16 0x7C00, F32 0x7F800000). Eight bytes
 * are tested at once: with y = (x &amp; E) ^ E per lane, a lane is non-finite exactly when it is zero, and
 * ((y | H) - L) &amp; H clears a lane's top bit exactly then (H: each lane's top bit, L: each lane's 1), without
 * borrows between lanes because every lane of y | H is at least H. Only a word with such a lane is looked at value by
 * value.
 */
final class FiniteCheck {
    private static final VarHandle WORDS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final TensorInfo tensor;
    private final int elementBytes;
    private final long exponents;
    private final long tops;
    private final long ones;
    /** Bytes of the tensor checked so far. */
    private long offset;

    private FiniteCheck(Path file, TensorInfo tensor, long exponents, long tops, long ones) {
        this.file = file;
        this.tensor = tensor;
        this.elementBytes = tensor.dtype().byteSize();
        this.exponents = exponents;
        this.tops = tops;
        this.ones = ones;
    }

    /** A check of one float tensor's bytes, fed in order from its first byte; null for non-float dtypes. */
    static FiniteCheck of(Path file, TensorInfo tensor) {
        return switch (tensor.dtype()) {
            case BF16 -> new FiniteCheck(file, tensor, 0x7F807F807F807F80L, 0x8000800080008000L, 0x0001000100010001L);
            case F16 -> new FiniteCheck(file, tensor, 0x7C007C007C007C00L, 0x8000800080008000L, 0x0001000100010001L);
            case F32 -> new FiniteCheck(file, tensor, 0x7F8000007F800000L, 0x8000000080000000L, 0x0000000100000001L);
            default -> null;
        };
    }

    /**
     * Checks the next length bytes of the tensor; chunks must keep elements whole (every chunk but the last a
     * multiple of 8 bytes, as {@link TensorBytes} gives them).
     */
    void accept(byte[] chunk, int length) throws CheckpointException {
        int words = length & ~7;
        for (int at = 0; at < words; at += 8) {
            long y = ((long) WORDS.get(chunk, at) & exponents) ^ exponents;
            if (((y | tops) - ones & tops) != tops) {
                findIn(chunk, at, 8);
            }
        }
        if (words < length) {
            findIn(chunk, words, length - words);
        }
        offset += length;
    }

    /** Throws for the first non-finite element of chunk[from, from + length), if any. */
    private void findIn(byte[] chunk, int from, int length) throws CheckpointException {
        for (int at = from; at + elementBytes <= from + length; at += elementBytes) {
            float value = decode(chunk, at);
            if (!Float.isFinite(value)) {
                throw nonFinite((offset + at) / elementBytes, value);
            }
        }
    }

    private float decode(byte[] chunk, int at) {
        int bits = 0;
        for (int b = elementBytes - 1; b >= 0; b--) {
            bits = bits << 8 | chunk[at + b] & 0xFF;
        }
        return switch (tensor.dtype()) {
            case BF16 -> Floats.bf16ToFloat((short) bits);
            case F16 -> Floats.f16ToFloat((short) bits);
            default -> Float.intBitsToFloat(bits);
        };
    }

    private CheckpointException nonFinite(long element, float value) {
        long columns = tensor.rank() >= 2 ? tensor.dim(tensor.rank() - 1) : 0;
        String where = columns > 0 ? "row " + element / columns + ", column " + element % columns
                : "element " + element;
        return new CheckpointException(String.format(Locale.ROOT, "%s: tensor '%s' (%s %s): %s is %s; the map "
                        + "reads finite weights only (a NaN or infinite weight makes every score it touches NaN or "
                        + "infinite): repair or re-export the checkpoint", file, tensor.name(), tensor.dtype(),
                java.util.Arrays.toString(tensor.shape()), where, Float.isNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf"));
    }
}
