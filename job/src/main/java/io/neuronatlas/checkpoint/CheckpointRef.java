package io.neuronatlas.checkpoint;

import java.io.Serializable;
import java.util.Objects;

/**
 * Which version of which model folder a run reads, as plain data shipped to executors: they open the folder
 * themselves and refuse it if it changed after the run was planned.
 *
 * @param modelDir    the model folder, as every executor sees it (a shared file system path)
 * @param stamp       the folder's {@link Checkpoint#stamp()} when the run was planned
 * @param fingerprint the checkpoint's {@link Fingerprint}: with the stamp, the key of an executor's cached
 *                    checkpoint and heads, since weights can change under an unchanged stamp
 */
public record CheckpointRef(String modelDir, String stamp, String fingerprint) implements Serializable {
    public CheckpointRef {
        Objects.requireNonNull(modelDir, "modelDir");
        Objects.requireNonNull(stamp, "stamp");
        Objects.requireNonNull(fingerprint, "fingerprint");
    }

    /** One string naming this version, for per-executor caches. */
    public String key() {
        return modelDir + "|" + stamp + "|" + fingerprint;
    }
}
