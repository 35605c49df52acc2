package io.neuronatlas.plan;

import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.compute.device.DeviceMode;
import java.nio.file.Path;
import java.util.List;

/**
 * The map command's options.
 *
 * @param checkpoint name in the atlas; null means the model folder's name
 * @param layers     a layer list such as "0-15,20", or "all"
 * @param shardSize  neurons per task; 0 picks a size for the device
 * @param watch      token strings (" dog") whose score, prob and normalized_prob are written for every neuron into
 *                   the token_profiles table; empty for none
 * @param force      map even when the atlas already holds this checkpoint's map for the same weights and parameters
 */
public record MapOptions(Path modelDir, String atlas, String checkpoint, List<MlpMatrix> matrices, String layers,
                         int topK, boolean foldNorm, int shardSize, int batchSize, DeviceMode device,
                         List<String> watch, boolean force) {
    public static final int DEFAULT_TOP_K = 20;
    public static final int DEFAULT_BATCH_SIZE = 256;

    public MapOptions {
        if (matrices == null || matrices.isEmpty()) {
            throw new IllegalArgumentException("--matrices must name at least one of gate, up, down");
        }
        matrices = List.copyOf(matrices);
        watch = watch == null ? List.of() : List.copyOf(watch);
    }

    public String checkpointName() {
        return checkpoint != null ? checkpoint : modelDir.toAbsolutePath().normalize().getFileName().toString();
    }
}
