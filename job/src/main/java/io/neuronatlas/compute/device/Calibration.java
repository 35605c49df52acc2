package io.neuronatlas.compute.device;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** A short matrix product of the map's shape, to estimate how long a map takes on this machine. */
public final class Calibration {
    private static final int ROWS = 256;

    private Calibration() {
    }

    /** GFLOP/s of a [256, dModel] × [dModel, columns] fp32 product on the CPU, all cores. */
    public static double measureCpuGflops(int dModel, int columns) {
        Engines.limitCpuThreads(Runtime.getRuntime().availableProcessors());
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), Engines.pytorch().getEngineName())) {
            NDArray a = manager.randomUniform(-1, 1, new Shape(ROWS, dModel));
            NDArray b = manager.randomUniform(-1, 1, new Shape(dModel, columns));
            a.matMul(b).close(); // first call pays for thread pools and allocation
            int reps = 0;
            long start = System.nanoTime();
            do {
                a.matMul(b).close();
                reps++;
            } while (System.nanoTime() - start < 1_000_000_000L && reps < 50);
            double seconds = (System.nanoTime() - start) / 1e9;
            return 2.0 * ROWS * dModel * columns * reps / seconds / 1e9;
        }
    }
}
