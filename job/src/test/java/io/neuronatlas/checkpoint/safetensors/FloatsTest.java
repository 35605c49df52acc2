package io.neuronatlas.checkpoint.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FloatsTest {

    /** Every finite non-negative binary16 value in bit-pattern order, which is also value order. */
    private static final double[] F16_POSITIVE_FINITE = new double[0x7C00];

    static {
        for (int h = 0; h < F16_POSITIVE_FINITE.length; h++) {
            int exponent = h >>> 10;
            int mantissa = h & 0x3FF;
            F16_POSITIVE_FINITE[h] = exponent == 0
                    ? mantissa * 0x1p-24
                    : (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
        }
    }

    @Test
    void f16RoundTripsEveryBitPattern() {
        for (int h = 0; h < 1 << 16; h++) {
            String pattern = "pattern 0x" + Integer.toHexString(h);
            float value = Floats.f16ToFloat((short) h);
            boolean nanPattern = (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0;
            if (nanPattern) {
                assertTrue(Float.isNaN(value), pattern);
                assertTrue(Float.isNaN(Floats.f16ToFloat(Floats.floatToF16(value))), pattern);
            } else {
                assertEquals((short) h, Floats.floatToF16(value), pattern);
            }
        }
    }

    @Test
    void f16DecodesAgainstFloat64Definition() {
        for (int h = 0; h < F16_POSITIVE_FINITE.length; h++) {
            assertEquals(F16_POSITIVE_FINITE[h], Floats.f16ToFloat((short) h), 0.0);
            assertEquals(-F16_POSITIVE_FINITE[h], Floats.f16ToFloat((short) (h | 0x8000)), 0.0);
        }
    }

    @Test
    void f16KnownValues() {
        assertEquals(1.0f, Floats.f16ToFloat((short) 0x3C00));
        assertEquals(-2.5f, Floats.f16ToFloat((short) 0xC100));
        assertEquals(65504f, Floats.f16ToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, Floats.f16ToFloat((short) 0x0001)); // smallest subnormal, 5.96e-8
        assertEquals(0x1p-14f, Floats.f16ToFloat((short) 0x0400)); // smallest normal
        assertEquals(Float.POSITIVE_INFINITY, Floats.f16ToFloat((short) 0x7C00));
        assertEquals(Float.NEGATIVE_INFINITY, Floats.f16ToFloat((short) 0xFC00));
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(Floats.f16ToFloat((short) 0x8000)));

        assertEquals((short) 0x3C00, Floats.floatToF16(1.0f));
        assertEquals((short) 0xC100, Floats.floatToF16(-2.5f));
        assertEquals((short) 0x7BFF, Floats.floatToF16(65504f));
        assertEquals((short) 0x7BFF, Floats.floatToF16(65519.996f)); // just under the halfway point to 65536
        assertEquals((short) 0x7C00, Floats.floatToF16(65520f)); // halfway, 65504 is odd: ties to infinity
        assertEquals((short) 0xFC00, Floats.floatToF16(-1e10f));
        assertEquals((short) 0x0001, Floats.floatToF16(0x1p-24f));
        assertEquals((short) 0x0000, Floats.floatToF16(0x1p-25f)); // halfway between 0 and 2^-24: even is 0
        assertEquals((short) 0x0001, Floats.floatToF16(Math.nextUp(0x1p-25f)));
        assertEquals((short) 0x0002, Floats.floatToF16(3 * 0x1p-25f)); // 1.5 ulps: ties to 2
        assertEquals((short) 0x8000, Floats.floatToF16(-1e-30f));
        assertEquals((short) 0x0400, Floats.floatToF16(0x1p-14f - 0x1p-26f)); // rounds up into the normal range
        assertEquals((short) 0x7C00, Floats.floatToF16(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(Floats.f16ToFloat(Floats.floatToF16(Float.NaN))));
        // A float NaN whose payload lies only in the bits binary16 drops must not become infinity.
        assertTrue(Float.isNaN(Floats.f16ToFloat(Floats.floatToF16(Float.intBitsToFloat(0x7F800001)))));
    }

    @Test
    void floatToF16TiesGoToEvenAtEveryMidpoint() {
        for (int h = 0; h < 0x7BFF; h++) {
            float midpoint = (float) ((F16_POSITIVE_FINITE[h] + F16_POSITIVE_FINITE[h + 1]) / 2);
            int even = (h & 1) == 0 ? h : h + 1;
            assertEquals((short) even, Floats.floatToF16(midpoint), "midpoint after 0x" + Integer.toHexString(h));
            assertEquals((short) (even | 0x8000), Floats.floatToF16(-midpoint));
        }
    }

    @Test
    void floatToF16MatchesFloat64Reference() {
        SplittableRandom random = new SplittableRandom(16);
        for (int i = 0; i < 200_000; i++) {
            // Magnitudes from far below the subnormals to past the overflow threshold.
            float value = (float) (Math.scalb(random.nextDouble(1, 2), random.nextInt(-30, 18))
                    * (random.nextBoolean() ? 1 : -1));
            assertEquals(nearestF16(value), Floats.floatToF16(value), () -> "value " + value);
        }
    }

    @Test
    void bf16RoundsToNearestEvenOnCraftedPatterns() {
        assertEquals((short) 0x3F80, Floats.floatToBf16(bits(0x3F808000))); // halfway, 0x3F80 even: down
        assertEquals((short) 0x3F82, Floats.floatToBf16(bits(0x3F818000))); // halfway, 0x3F81 odd: up
        assertEquals((short) 0x3F81, Floats.floatToBf16(bits(0x3F808001))); // just above halfway
        assertEquals((short) 0x3F80, Floats.floatToBf16(bits(0x3F807FFF))); // just below halfway
        assertEquals((short) 0xBF80, Floats.floatToBf16(bits(0xBF808000))); // sign does not change the tie
        assertEquals((short) 0x4000, Floats.floatToBf16(bits(0x3FFFFFFF))); // carry into the exponent
        assertEquals((short) 0x7F80, Floats.floatToBf16(Float.MAX_VALUE)); // rounds past the largest bf16
        assertEquals((short) 0x7F7F, Floats.floatToBf16(bits(0x7F7F7FFF)));
        assertEquals((short) 0x0001, Floats.floatToBf16(bits(0x00008001))); // subnormals round the same way
        assertEquals((short) 0xFF80, Floats.floatToBf16(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(Floats.bf16ToFloat(Floats.floatToBf16(Float.NaN))));
        // Truncating this NaN would give 0x7F80, infinity.
        assertTrue(Float.isNaN(Floats.bf16ToFloat(Floats.floatToBf16(bits(0x7F800001)))));
        assertEquals(1.0f, Floats.bf16ToFloat((short) 0x3F80));
        assertEquals(-2.5f, Floats.bf16ToFloat((short) 0xC020));
    }

    @Test
    void bf16RoundTripsEveryBitPattern() {
        for (int b = 0; b < 1 << 16; b++) {
            float value = Floats.bf16ToFloat((short) b);
            assertEquals(Float.intBitsToFloat(b << 16), value);
            if (Float.isNaN(value)) {
                assertTrue(Float.isNaN(Floats.bf16ToFloat(Floats.floatToBf16(value))));
            } else {
                assertEquals((short) b, Floats.floatToBf16(value));
            }
        }
    }

    @Test
    void floatToBf16MatchesFloat64Reference() {
        SplittableRandom random = new SplittableRandom(17);
        for (int i = 0; i < 200_000; i++) {
            float value = Float.intBitsToFloat(random.nextInt());
            if (Float.isNaN(value) || Float.isInfinite(value)) {
                continue;
            }
            int truncated = Float.floatToRawIntBits(value) >>> 16;
            double below = Floats.bf16ToFloat((short) truncated);
            // One step away from zero; past the largest bf16 that step is 2^128, where rounding overflows.
            double above = Floats.bf16ToFloat((short) (truncated + 1));
            if (Double.isInfinite(above)) {
                above = Math.copySign(0x1p128, value);
            }
            double distBelow = Math.abs(value - below);
            double distAbove = Math.abs(above - value);
            int expected = distBelow < distAbove || (distBelow == distAbove && (truncated & 1) == 0)
                    ? truncated : truncated + 1;
            assertEquals((short) expected, Floats.floatToBf16(value), () -> "value " + value);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"BF16", "F16", "F32"})
    void bulkDecodeAndEncodeMatchScalarConversions(DType dtype) {
        SplittableRandom random = new SplittableRandom(dtype.ordinal());
        int count = 1000;
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (random.nextGaussian() * 100);
        }
        ByteBuffer bytes = ByteBuffer.allocate(4 + count * dtype.byteSize());
        bytes.position(4); // start mid-buffer to exercise srcByteIndex
        Floats.encode(dtype, values, 0, count, bytes);
        assertEquals(ByteOrder.LITTLE_ENDIAN, bytes.order());

        float[] expected = new float[count];
        for (int i = 0; i < count; i++) {
            expected[i] = switch (dtype) {
                case BF16 -> Floats.bf16ToFloat(bytes.getShort(4 + 2 * i));
                case F16 -> Floats.f16ToFloat(bytes.getShort(4 + 2 * i));
                default -> bytes.getFloat(4 + 4 * i);
            };
            assertEquals(through(dtype, values[i]), expected[i]);
        }

        float[] contiguous = new float[count + 3];
        Floats.decode(dtype, bytes, 4, count, contiguous, 3);
        assertArrayEquals(expected, Arrays.copyOfRange(contiguous, 3, count + 3));

        // Every third element, from a big-endian view of the same bytes: the caller's buffer order must not matter.
        float[] strided = new float[count / 3 + 2];
        Floats.decodeStrided(dtype, bytes.duplicate().order(ByteOrder.BIG_ENDIAN), 4 + dtype.byteSize(),
                3 * dtype.byteSize(), count / 3, strided, 1);
        assertEquals(0f, strided[0]);
        for (int i = 0; i < count / 3; i++) {
            assertEquals(expected[1 + 3 * i], strided[1 + i]);
        }
        assertEquals(0f, strided[count / 3 + 1]);
    }

    @Test
    void bulkConversionRefusesNonFloatTypes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Floats.decode(DType.I32, ByteBuffer.allocate(4), 0, 1, new float[1], 0));
        assertTrue(e.getMessage().contains("I32"), e.getMessage());
    }

    /** {@code value} after a round trip through {@code dtype}'s storage. */
    static float through(DType dtype, float value) {
        return switch (dtype) {
            case BF16 -> Floats.bf16ToFloat(Floats.floatToBf16(value));
            case F16 -> Floats.f16ToFloat(Floats.floatToF16(value));
            case F32 -> value;
            default -> throw new IllegalArgumentException(dtype.name());
        };
    }

    private static float bits(int bits) {
        return Float.intBitsToFloat(bits);
    }

    /** Nearest binary16 by float64 search, ties to even, overflow from 65520 up: the IEEE definition. */
    private static short nearestF16(float value) {
        int sign = value < 0 ? 0x8000 : 0;
        double magnitude = Math.abs((double) value);
        if (magnitude >= 65520) {
            return (short) (sign | 0x7C00);
        }
        int index = Arrays.binarySearch(F16_POSITIVE_FINITE, magnitude);
        if (index >= 0) {
            return (short) (sign | index);
        }
        int below = -index - 2;
        if (below == F16_POSITIVE_FINITE.length - 1) {
            return (short) (sign | below);
        }
        double distBelow = magnitude - F16_POSITIVE_FINITE[below];
        double distAbove = F16_POSITIVE_FINITE[below + 1] - magnitude;
        int nearest = distBelow < distAbove || (distBelow == distAbove && (below & 1) == 0) ? below : below + 1;
        return (short) (sign | nearest);
    }
}
