package io.neuronatlas.compute.projection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.neuronatlas.testing.NativeResources;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Per-batch native arrays must not outlive the call; the shared head must not collect anything. */
class NativeMemoryTest {

    static int resources(NDManager manager) {
        return NativeResources.count(manager);
    }

    @Test
    void projectLeavesNothingBehind() {
        int vocab = 1000;
        int d = 16;
        Random rnd = new Random(4);
        // Integer data with a long tie run, so the host-fallback path (which copies a row) runs too.
        float[] u = Fixtures.integers(rnd, vocab, d, 2);
        for (int t = 500; t < 800; t++) {
            System.arraycopy(u, 0, u, t * d, d);
        }
        float[] x = Fixtures.integers(rnd, 8, d, 2);
        System.arraycopy(u, 0, x, 0, d);
        try (LmHead head = Fixtures.head(u, vocab, d)) {
            int headResources = resources(head.manager());
            try (Projector projector = new Projector(head, 20)) {
                assertEquals(headResources + 1, resources(head.manager()));
                for (int i = 0; i < 60; i++) {
                    projector.project(x, 1 + i % 8);
                    assertTrue(projector.manager().getManagedArrays().isEmpty());
                    assertEquals(0, resources(projector.manager()));
                    assertEquals(3, head.manager().getManagedArrays().size()); // matrix, transposed, inverse row norms
                }
                assertTrue(projector.tieFallbacks() > 0, "fixture should exercise the fallback");
            }
            assertEquals(headResources, resources(head.manager()));
        }
    }

    @Test
    void failedCallLeavesNothingBehind() {
        float[] u = Fixtures.gaussian(new Random(1), 100, 8, 1.0);
        try (LmHead head = Fixtures.head(u, 100, 8); Projector projector = new Projector(head, 5)) {
            assertThrows(IllegalArgumentException.class, () -> projector.project(new float[7], 1));
            assertEquals(0, resources(projector.manager()));
        }
    }

    @Test
    void concurrentProjectorsShareOneHead() throws Exception {
        int vocab = 3000;
        int d = 32;
        int batch = 8;
        int k = 20;
        Random rnd = new Random(21);
        float[] u = Fixtures.gaussian(rnd, vocab, d, 1.0);
        float[] x = Fixtures.gaussian(rnd, batch, d, 0.7);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (LmHead head = Fixtures.head(u, vocab, d)) {
            BatchResult expected;
            try (Projector projector = new Projector(head, k)) {
                expected = projector.project(x, batch);
            }
            List<Future<List<BatchResult>>> futures = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                futures.add(pool.submit(() -> {
                    List<BatchResult> out = new ArrayList<>();
                    try (Projector projector = new Projector(head, k)) {
                        for (int i = 0; i < 10; i++) {
                            out.add(projector.project(x, batch));
                        }
                    }
                    return out;
                }));
            }
            for (Future<List<BatchResult>> f : futures) {
                for (BatchResult res : f.get()) {
                    for (int n = 0; n < batch; n++) {
                        double scale = expected.maxAbsScore(n);
                        assertEquals(expected.entropy(n), res.entropy(n), 1e-6 * Math.max(1, scale));
                        for (int p = 0; p < 2; p++) {
                            for (int r = 0; r < k; r++) {
                                assertEquals(expected.tokenId(n, p, r), res.tokenId(n, p, r));
                                assertEquals(expected.score(n, p, r), res.score(n, p, r), 1e-6 * scale);
                            }
                        }
                    }
                }
            }
            assertEquals(3, resources(head.manager()));
        } finally {
            pool.shutdownNow();
        }
    }
}
