package io.neuronatlas.compute.projection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LmHeadTest {
    private static final int VOCAB = 1000;
    private static final int D = 16;

    @ParameterizedTest(name = "chunk {0}")
    @ValueSource(ints = {1, 7, 64, 1000, 5000})
    void chunkedLoadEqualsTheSourceBitForBit(int chunk) throws IOException {
        float[] u = Fixtures.gaussian(new Random(chunk), VOCAB, D, 1.0);
        // Values a sloppy conversion would change.
        u[0] = -0.0f;
        u[1] = Float.MIN_VALUE;
        u[2] = Float.MAX_VALUE;
        u[u.length - 1] = -Float.MIN_NORMAL;
        int[] nextRow = {0};
        try (LmHead head = LmHead.load(Device.cpu(), VOCAB, D, (first, count, dst) -> {
            assertEquals(nextRow[0], first, "rows are read in order, without gaps");
            assertTrue(count >= 1 && count <= chunk);
            nextRow[0] += count;
            System.arraycopy(u, first * D, dst, 0, count * D);
        }, chunk)) {
            assertEquals(VOCAB, nextRow[0]);
            assertEquals(new Shape(VOCAB, D), head.matrix().getShape());
            assertEquals(DataType.FLOAT32, head.matrix().getDataType());
            assertEquals(VOCAB, head.vocab());
            assertEquals(D, head.dModel());
            assertEquals(Device.cpu(), head.device());
            assertEquals((long) VOCAB * D * Float.BYTES, head.bytes());
            float[] back = head.matrix().toFloatArray();
            int[] expectedBits = new int[u.length];
            int[] actualBits = new int[u.length];
            for (int i = 0; i < u.length; i++) {
                expectedBits[i] = Float.floatToRawIntBits(u[i]);
                actualBits[i] = Float.floatToRawIntBits(back[i]);
            }
            assertArrayEquals(expectedBits, actualBits);
            // Chunk tensors are freed as loading goes: only the matrix, its transposed view and the inverse row norms
            // remain.
            assertEquals(3, NativeMemoryTest.resources(head.manager()));
        }
    }

    @Test
    void readFailureIsPropagated() {
        IOException boom = new IOException("boom");
        IOException thrown = assertThrows(IOException.class, () -> LmHead.load(Device.cpu(), VOCAB, D,
                (first, count, dst) -> {
                    if (first > 0) {
                        throw boom;
                    }
                }, 100));
        assertSame(boom, thrown);
    }

    @Test
    void closeReleasesTheManager() {
        LmHead head = Fixtures.head(new float[10 * 4], 10, 4);
        head.close();
        assertFalse(head.manager().isOpen());
    }

    @Test
    void rejectsBadDimensions() {
        assertThrows(IllegalArgumentException.class,
                () -> LmHead.load(Device.cpu(), 0, D, (first, count, dst) -> { }));
        assertThrows(IllegalArgumentException.class,
                () -> LmHead.load(Device.cpu(), VOCAB, 0, (first, count, dst) -> { }));
    }
}
