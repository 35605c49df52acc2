package io.neuronatlas.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.safetensors.DType;
import io.neuronatlas.checkpoint.safetensors.TensorInfo;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The eight-bytes-at-a-time test for NaN and ±Inf against a plain one, value by value, on random tensors fed in
 * random chunks: the same first bad element, and no false alarm on any finite value (zeros, subnormals, the largest
 * finite values, whose exponents are one short of all ones).
 */
class FiniteCheckTest {
    private static final int COLUMNS = 13;

    /** Bits of finite values that come close to the non-finite pattern, per dtype. */
    private static int edgeBits(DType dtype, SplittableRandom r) {
        int[] bf16 = {0x0000, 0x8000, 0x0001, 0x7F7F, 0xFF7F, 0x7F00, 0x3F80, 0x807F};
        int[] f16 = {0x0000, 0x8000, 0x0001, 0x7BFF, 0xFBFF, 0x7800, 0x3C00, 0x83FF};
        int[] f32 = {0x00000000, 0x80000000, 0x00000001, 0x7F7FFFFF, 0xFF7FFFFF, 0x7F000000, 0x3F800000, 0x807FFFFF};
        int[] pool = dtype == DType.BF16 ? bf16 : dtype == DType.F16 ? f16 : f32;
        return pool[r.nextInt(pool.length)];
    }

    private static int randomFinite(DType dtype, SplittableRandom r) {
        while (true) {
            int bits = r.nextInt(4) == 0 ? edgeBits(dtype, r) : r.nextInt() & (dtype.byteSize() == 2 ? 0xFFFF : -1);
            if (Float.isFinite(decode(dtype, bits))) {
                return bits;
            }
        }
    }

    private static float decode(DType dtype, int bits) {
        return switch (dtype) {
            case BF16 -> io.neuronatlas.checkpoint.safetensors.Floats.bf16ToFloat((short) bits);
            case F16 -> io.neuronatlas.checkpoint.safetensors.Floats.f16ToFloat((short) bits);
            default -> Float.intBitsToFloat(bits);
        };
    }

    @Test
    void findsTheFirstNonFiniteElementLikeAPlainScan() throws CheckpointException {
        SplittableRandom r = new SplittableRandom(11);
        int[] nonFinite16 = {0x7FC0, 0xFF80, 0x7F80, 0x7F81};
        for (DType dtype : new DType[] {DType.BF16, DType.F16, DType.F32}) {
            int size = dtype.byteSize();
            for (int trial = 0; trial < 400; trial++) {
                int elements = 1 + r.nextInt(COLUMNS * 40);
                byte[] bytes = new byte[elements * size];
                int[] bits = new int[elements];
                for (int i = 0; i < elements; i++) {
                    bits[i] = randomFinite(dtype, r);
                }
                // Half the trials plant one to three non-finite values.
                for (int p = trial % 2 == 0 ? 0 : 1 + r.nextInt(3); p > 0; p--) {
                    int at = r.nextInt(elements);
                    bits[at] = dtype == DType.F32 ? (r.nextBoolean() ? 0x7FC00000 : 0xFF800000 | r.nextInt(2))
                            : dtype == DType.F16 ? (0x7C00 | (r.nextInt(2) << 15) | r.nextInt(0x400))
                            : nonFinite16[r.nextInt(nonFinite16.length)];
                }
                for (int i = 0; i < elements; i++) {
                    for (int b = 0; b < size; b++) {
                        bytes[i * size + b] = (byte) (bits[i] >>> (8 * b));
                    }
                }
                int expected = -1;
                for (int i = 0; i < elements && expected < 0; i++) {
                    expected = Float.isFinite(decode(dtype, bits[i])) ? -1 : i;
                }
                TensorInfo tensor = new TensorInfo("t", dtype, new long[] {(elements + COLUMNS - 1) / COLUMNS,
                    COLUMNS}, 0, 0L + ((elements + COLUMNS - 1) / COLUMNS) * COLUMNS * size);
                FiniteCheck check = FiniteCheck.of(Path.of("f.safetensors"), tensor);
                String failure = null;
                try {
                    // Chunks of whole elements, of random lengths, as a stream of the tensor's bytes would come.
                    for (int at = 0; at < bytes.length; ) {
                        int length = Math.min(bytes.length - at, size * (1 + r.nextInt(64)));
                        byte[] chunk = new byte[length + r.nextInt(9)];
                        System.arraycopy(bytes, at, chunk, 0, length);
                        check.accept(chunk, length);
                        at += length;
                    }
                } catch (CheckpointException e) {
                    failure = e.getMessage();
                }
                if (expected < 0) {
                    assertEquals(null, failure, dtype + " trial " + trial);
                } else {
                    String where = "row " + expected / COLUMNS + ", column " + expected % COLUMNS + " is ";
                    assertTrue(failure != null && failure.contains(where), dtype + " trial " + trial + ": expected "
                            + where + " in " + failure);
                }
            }
        }
    }

    @Test
    void otherDtypesAreNotChecked() {
        assertEquals(null, FiniteCheck.of(Path.of("f"), new TensorInfo("ids", DType.I64, new long[] {1}, 0, 8)));
        assertThrows(CheckpointException.class, () -> FiniteCheck.of(Path.of("f"), new TensorInfo("x", DType.F32,
                new long[] {2}, 0, 8)).accept(new byte[] {0, 0, 0, 0, 0, 0, (byte) 0xC0, 0x7F}, 8));
    }
}
