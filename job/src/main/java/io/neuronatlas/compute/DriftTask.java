package io.neuronatlas.compute;

import java.io.Serializable;

/**
 * Everything an executor needs to compute any shard of one drift run, as plain data: each checkpoint's map task (its
 * folder and version, LM head, top-k, batch size), the base's first.
 *
 * @param base       the base checkpoint's, whose name is the run's subject
 * @param checkpoint the checkpoint compared with the base
 */
public record DriftTask(MapTask base, MapTask checkpoint) implements Serializable {
    public DriftTask {
        if (base.head().vocab() != checkpoint.head().vocab() || base.head().dModel() != checkpoint.head().dModel()
                || base.topK() != checkpoint.topK()) {
            throw new IllegalArgumentException("drift compares checkpoints of the same shapes: heads ["
                    + base.head().vocab() + ", " + base.head().dModel() + "] and [" + checkpoint.head().vocab() + ", "
                    + checkpoint.head().dModel() + "]");
        }
    }
}
