package io.neuronatlas.checkpoint.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Conversions between float32 and the 16-bit float formats checkpoints are stored in, one value at a time and in
 * bulk from little-endian bytes.
 *
 * <p>Java 17 has no {@code Float.float16ToFloat}, hence the hand-written IEEE binary16 code. Narrowing conversions
 * round to nearest, ties to even, as PyTorch does, so that a weight written here reads back exactly as PyTorch would
 * have stored it.
 */
public final class Floats {

    private Floats() {
    }

    /** bfloat16 is the upper half of a float32, so widening is a shift. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Rounds to nearest even; overflow rounds to infinity; NaN stays NaN. */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            // A NaN whose payload sits only in the low half would truncate to infinity; force the quiet bit.
            return (short) ((bits >>> 16) | 0x0040);
        }
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /** Exact: every binary16 value, subnormals included, is a float32 value. */
    public static float f16ToFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1F;
        int mantissa = h & 0x3FF;
        if (exponent == 0x1F) {
            // Infinity, or NaN with its payload kept in the top mantissa bits.
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // Zero or subnormal: mantissa x 2^-24, exact in float32.
            return Float.intBitsToFloat(sign | Float.floatToRawIntBits(mantissa * 0x1p-24f));
        }
        // Rebias the exponent from 15 to 127.
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** Rounds to nearest even, to subnormals and to infinity (from 65520 up) as IEEE 754 says; NaN stays NaN. */
    public static short floatToF16(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int magnitude = bits & 0x7FFFFFFF;
        if (magnitude >= 0x7F800000) {
            if (magnitude == 0x7F800000) {
                return (short) (sign | 0x7C00);
            }
            // Keep the payload's top bits so f16 -> f32 -> f16 is the identity on NaNs too; never let it become 0.
            int payload = (magnitude >>> 13) & 0x3FF;
            return (short) (sign | 0x7C00 | (payload == 0 ? 0x200 : payload));
        }
        if (magnitude >= 0x477FF000) {
            // 65520 is halfway between 65504 (odd mantissa) and the next step, so it and above round to infinity.
            return (short) (sign | 0x7C00);
        }
        if (magnitude >= 0x38800000) {
            // Normal in binary16: round the 13 dropped mantissa bits; a carry correctly bumps the exponent.
            int rounded = magnitude + 0xFFF + ((magnitude >>> 13) & 1);
            return (short) (sign | ((rounded - 0x38000000) >>> 13));
        }
        // Subnormal in binary16: the result is round(|value| x 2^24), from the mantissa with its implicit bit.
        int exponent = magnitude >>> 23;
        int shift = 126 - exponent;
        if (shift > 24) {
            // Below 2^-25, or float32 subnormal: rounds to zero.
            return (short) sign;
        }
        int mantissa = (magnitude & 0x7FFFFF) | 0x800000;
        int quotient = mantissa >>> shift;
        int remainder = mantissa & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (remainder > half || (remainder == half && (quotient & 1) == 1)) {
            quotient++; // may reach 0x400, which is exactly the smallest normal's encoding
        }
        return (short) (sign | quotient);
    }

    /**
     * Widens {@code count} consecutive elements stored little-endian in {@code src} from byte {@code srcByteIndex} on
     * into {@code dst[dstOffset ..]}. Neither the position nor the byte order of {@code src} is used or changed.
     *
     * @throws IllegalArgumentException when {@code dtype} is not BF16, F16 or F32
     */
    public static void decode(DType dtype, ByteBuffer src, int srcByteIndex, int count, float[] dst, int dstOffset) {
        decodeStrided(dtype, src, srcByteIndex, dtype.byteSize(), count, dst, dstOffset);
    }

    /**
     * Like {@link #decode}, but the elements lie {@code srcStrideBytes} apart: one column of several rows held in
     * {@code src}, which lands contiguous in {@code dst}. This is the transposing step of column reads.
     *
     * @throws IllegalArgumentException when {@code dtype} is not BF16, F16 or F32
     */
    public static void decodeStrided(DType dtype, ByteBuffer src, int srcByteIndex, int srcStrideBytes, int count,
            float[] dst, int dstOffset) {
        ByteBuffer le = src.order() == ByteOrder.LITTLE_ENDIAN ? src : src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int end = dstOffset + count;
        switch (dtype) {
            case BF16 -> {
                for (int d = dstOffset, s = srcByteIndex; d < end; d++, s += srcStrideBytes) {
                    dst[d] = Float.intBitsToFloat((le.getShort(s) & 0xFFFF) << 16);
                }
            }
            case F16 -> {
                float[] table = F16Table.VALUES;
                for (int d = dstOffset, s = srcByteIndex; d < end; d++, s += srcStrideBytes) {
                    dst[d] = table[le.getShort(s) & 0xFFFF];
                }
            }
            case F32 -> {
                for (int d = dstOffset, s = srcByteIndex; d < end; d++, s += srcStrideBytes) {
                    dst[d] = le.getFloat(s);
                }
            }
            default -> throw new IllegalArgumentException(dtype + " is not a float weight type (BF16, F16, F32)");
        }
    }

    /**
     * Narrows {@code count} floats from {@code src[srcOffset]} on into {@code dst} at its position, advancing the
     * position. Sets {@code dst}'s byte order to little-endian, the only order safetensors knows.
     *
     * @throws IllegalArgumentException when {@code dtype} is not BF16, F16 or F32
     */
    public static void encode(DType dtype, float[] src, int srcOffset, int count, ByteBuffer dst) {
        ByteBuffer le = dst.order(ByteOrder.LITTLE_ENDIAN);
        int end = srcOffset + count;
        switch (dtype) {
            case BF16 -> {
                for (int i = srcOffset; i < end; i++) {
                    le.putShort(floatToBf16(src[i]));
                }
            }
            case F16 -> {
                for (int i = srcOffset; i < end; i++) {
                    le.putShort(floatToF16(src[i]));
                }
            }
            case F32 -> {
                for (int i = srcOffset; i < end; i++) {
                    le.putFloat(src[i]);
                }
            }
            default -> throw new IllegalArgumentException(dtype + " is not a float weight type (BF16, F16, F32)");
        }
    }

    /** Every binary16 value widened once (256 KB): bulk F16 decoding becomes one load per element. */
    private static final class F16Table {
        static final float[] VALUES = new float[1 << 16];

        static {
            for (int h = 0; h < VALUES.length; h++) {
                VALUES[h] = f16ToFloat((short) h);
            }
        }
    }
}
