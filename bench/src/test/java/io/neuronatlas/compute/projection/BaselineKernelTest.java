package io.neuronatlas.compute.projection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import io.neuronatlas.bench.BaselineKernel;
import java.lang.reflect.Field;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's raw baseline frees its native arrays. In the head's package so that it can count what the
 * head's manager holds.
 */
class BaselineKernelTest {

    private static float[] gaussian(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    /** Arrays and open sub-managers of a manager (DJL does not list sub-managers that were never closed). */
    private static final class NativeResources {
        static int count(NDManager manager) {
            try {
                Field f = BaseNDManager.class.getDeclaredField("resources");
                f.setAccessible(true);
                return ((Map<?, ?>) f.get(manager)).size();
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void baselineKernelLeavesNothingBehind() throws Exception {
        int vocab = 2000;
        int d = 32;
        Random rnd = new Random(9);
        float[] u = gaussian(rnd, vocab * d);
        float[] x = gaussian(rnd, 16 * d);
        try (LmHead head = LmHead.load(Device.cpu(), vocab, d, (first, count, dst) -> System.arraycopy(u, first * d, dst, 0, count * d))) {
            int headResources = NativeResources.count(head.manager());
            BaselineKernel kernel = new BaselineKernel();
            for (int i = 0; i < 20; i++) {
                kernel.run(head, x, 16, 20);
            }
            assertNotEquals(0L, kernel.checksum());
            assertEquals(headResources, NativeResources.count(head.manager()));
            assertThrows(IllegalArgumentException.class, () -> kernel.run(head, x, 16, 0));
            assertThrows(IllegalArgumentException.class, () -> kernel.run(head, x, 17, 5));
        }
    }

}
