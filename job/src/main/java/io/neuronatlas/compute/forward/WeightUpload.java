package io.neuronatlas.compute.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.compute.projection.DirectStaging;
import java.io.IOException;

/**
 * Copies tensors from safetensors files to a device: read as float32 in Java (BF16 and F16 widened by the readers,
 * so DJL never sees BFLOAT16), uploaded in chunks of rows, converted to the model's precision on the device. Peak
 * host memory beyond the resident weights is one chunk twice (the Java array and one reused direct buffer).
 */
final class WeightUpload {
    /** Floats per chunk: 16 MiB, a few thousand rows of a real model. */
    static final int CHUNK_FLOATS = 4 * 1024 * 1024;

    private final Checkpoint checkpoint;
    private final NDManager manager;
    private final Precision precision;
    private final DirectStaging staging = new DirectStaging();
    private long bytes;

    WeightUpload(Checkpoint checkpoint, NDManager manager, Precision precision) {
        this.checkpoint = checkpoint;
        this.manager = manager;
        this.precision = precision;
    }

    /** Bytes uploaded so far, at the device precision. */
    long bytes() {
        return bytes;
    }

    /** A [rows, cols] tensor, row-major as stored. */
    NDArray matrix(String tensor, int rows, int cols) throws IOException {
        return matrix(tensor, -1, rows, cols);
    }

    /** Matrix slab [rows, cols] of a 3-D tensor (experts stacked along its first dimension); -1: a 2-D tensor. */
    NDArray matrix(String tensor, int slab, int rows, int cols) throws IOException {
        int step = Math.max(1, Math.min(rows, CHUNK_FLOATS / cols));
        NDArray matrix = manager.create(new Shape(rows, cols), precision.dataType());
        float[] buffer = new float[step * cols];
        for (int first = 0; first < rows; first += step) {
            int n = Math.min(step, rows - first);
            checkpoint.weights().readRows(tensor, slab, first, n, buffer, 0);
            // On CPU the chunk aliases the staging buffer: its sub-manager frees it before the next refill.
            try (NDManager chunkManager = manager.newSubManager()) {
                NDArray chunk = staging.upload(chunkManager, buffer, n, cols);
                matrix.set(new NDIndex().addSliceDim(first, first + n), toPrecision(chunk));
            }
        }
        bytes += (long) rows * cols * precision.bytes();
        return matrix;
    }

    /** A 1-D tensor of n values. */
    NDArray vector(String tensor, int n) throws IOException {
        float[] values = checkpoint.weights().readVector(tensor);
        NDArray vector;
        try (NDManager chunkManager = manager.newSubManager()) {
            NDArray staged = toPrecision(staging.upload(chunkManager, values, 1, n).reshape(n));
            vector = staged.duplicate();
            vector.attach(manager);
        }
        bytes += (long) n * precision.bytes();
        return vector;
    }

    /** A 1-D tensor of n values plus {@code offset} each, kept in float32 (norm scales applied before the cast). */
    NDArray float32Vector(String tensor, int n, float offset) throws IOException {
        float[] values = checkpoint.weights().readVector(tensor);
        for (int i = 0; i < values.length; i++) {
            values[i] += offset;
        }
        NDArray vector;
        try (NDManager chunkManager = manager.newSubManager()) {
            vector = staging.upload(chunkManager, values, 1, n).reshape(n).duplicate();
            vector.attach(manager);
        }
        bytes += 4L * n;
        return vector;
    }

    /** The staged chunk is already on the device (a sub-manager inherits it); only the element type changes. */
    private NDArray toPrecision(NDArray chunk) {
        return precision.dataType() == DataType.FLOAT32 ? chunk : chunk.toType(precision.dataType(), false);
    }
}
