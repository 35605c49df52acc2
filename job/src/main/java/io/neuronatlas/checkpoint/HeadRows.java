package io.neuronatlas.checkpoint;

import java.io.IOException;

/** Source of an LM head's rows, e.g. a checkpoint's safetensors ({@link Checkpoint#lmHeadRows}). */
@FunctionalInterface
public interface HeadRows {
    /**
     * Fills {@code dst[0 .. rowCount*dModel)} with rows {@code firstRow .. firstRow+rowCount} of
     * the head, row-major.
     */
    void read(int firstRow, int rowCount, float[] dst) throws IOException;
}
