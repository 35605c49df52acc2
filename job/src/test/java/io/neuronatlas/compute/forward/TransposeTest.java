package io.neuronatlas.compute.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The tiled transpose against the naive double loop, on shapes that are and are not multiples of a tile. */
class TransposeTest {
    @Test
    void equalsTheNaiveLoop() {
        Random random = new Random(7);
        for (int[] shape : new int[][] {{1, 1}, {3, 5}, {64, 64}, {65, 130}, {200, 7}, {130, 1000}}) {
            for (int threads : new int[] {1, 2, 3}) {
                int rows = shape[0];
                int cols = shape[1];
                float[] src = new float[rows * cols];
                for (int i = 0; i < src.length; i++) {
                    src[i] = random.nextFloat();
                }
                float[] dst = new float[rows * cols];
                Transpose.transpose(src, rows, cols, dst, threads);
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        assertEquals(src[r * cols + c], dst[c * rows + r], 0,
                                rows + "x" + cols + " on " + threads + " threads at (" + r + ", " + c + ")");
                    }
                }
            }
        }
    }

    @Test
    void refusesArraysTooShort() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Transpose.transpose(new float[6], 2, 4, new float[8], 1));
        assertEquals("a (2 × 4) transpose needs 8 floats; source has 6, destination 8", e.getMessage());
    }
}
