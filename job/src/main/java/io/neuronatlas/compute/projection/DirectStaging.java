package io.neuronatlas.compute.projection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A reusable native-order direct buffer for host-to-device uploads.
 *
 * <p>Why: given a heap array, DJL allocates a new direct buffer per call that only the garbage collector
 * releases, and on CPU the PyTorch tensor aliases whatever direct buffer it was built from. Reusing one
 * buffer keeps off-heap memory flat; the price is that a tensor made by {@link #upload} must be closed
 * before the next upload from the same staging object. Not thread-safe.
 */
public final class DirectStaging {
    private ByteBuffer buffer;

    /** Copies rows x cols floats from {@code src} into a new FLOAT32 array of {@code manager}. */
    public NDArray upload(NDManager manager, float[] src, int rows, int cols) {
        int floats = Math.multiplyExact(rows, cols);
        int bytes = Math.multiplyExact(floats, Float.BYTES);
        if (buffer == null || buffer.capacity() < bytes) {
            buffer = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
        }
        buffer.clear();
        buffer.asFloatBuffer().put(src, 0, floats);
        buffer.limit(bytes);
        return manager.create(buffer, new Shape(rows, cols), DataType.FLOAT32);
    }
}
