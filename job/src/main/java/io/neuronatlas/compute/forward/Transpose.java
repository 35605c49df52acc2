package io.neuronatlas.compute.forward;

import java.util.stream.IntStream;

/**
 * A row-major matrix transposed on the host, tile by tile. Why not on the device: on CPU libtorch's transposing copy
 * walks one side with a stride of a whole row, and took 130 ms for a (1,024 × 8,192) layer of activations on two
 * threads, half as long as the layer's own products; tiles keep both sides in cache and take a few milliseconds.
 */
final class Transpose {
    /**
     * A tile is 16 rows of 64 columns: its rows are read whole into a 4 KB buffer, then each column leaves as 16
     * consecutive floats (one cache line) of a destination row. Reading or writing a tile's lines straight at a stride
     * of a power-of-two row length maps them all to one cache set, where they evict each other.
     */
    private static final int TILE_ROWS = 16;
    private static final int TILE_COLS = 64;

    private Transpose() {
    }

    /**
     * dst[c·rows + r] = src[r·cols + c], the columns split into contiguous ranges over threads.
     *
     * @param src (rows, cols) row-major
     * @param dst (cols, rows) row-major; at least rows·cols long
     */
    static void transpose(float[] src, int rows, int cols, float[] dst, int threads) {
        if ((long) rows * cols > src.length || (long) rows * cols > dst.length) {
            throw new IllegalArgumentException("a (" + rows + " × " + cols + ") transpose needs " + (long) rows * cols
                    + " floats; source has " + src.length + ", destination " + dst.length);
        }
        int tiles = (cols + TILE_COLS - 1) / TILE_COLS;
        int parts = Math.max(1, Math.min(threads, tiles));
        IntStream.range(0, parts).parallel().forEach(part -> {
            int from = (int) ((long) tiles * part / parts) * TILE_COLS;
            int to = Math.min(cols, (int) ((long) tiles * (part + 1) / parts) * TILE_COLS);
            columns(src, rows, cols, dst, from, to);
        });
    }

    private static void columns(float[] src, int rows, int cols, float[] dst, int fromCol, int toCol) {
        float[] tile = new float[TILE_ROWS * TILE_COLS];
        for (int c0 = fromCol; c0 < toCol; c0 += TILE_COLS) {
            int width = Math.min(toCol, c0 + TILE_COLS) - c0;
            for (int r0 = 0; r0 < rows; r0 += TILE_ROWS) {
                int height = Math.min(rows, r0 + TILE_ROWS) - r0;
                for (int r = 0; r < height; r++) {
                    System.arraycopy(src, (r0 + r) * cols + c0, tile, r * TILE_COLS, width);
                }
                for (int c = 0; c < width; c++) {
                    int out = (c0 + c) * rows + r0;
                    for (int r = 0; r < height; r++) {
                        dst[out + r] = tile[r * TILE_COLS + c];
                    }
                }
            }
        }
    }
}
