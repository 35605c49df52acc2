package io.neuronatlas.plan;

import io.neuronatlas.compute.device.DeviceMode;
import java.io.Serializable;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Everything an executor needs to compute any shard of one map run, as plain data.
 *
 * @param checkpoint   the checkpoint's name in the atlas (a partition value)
 * @param modelDir     the model folder, as every executor sees it (a shared file system path)
 * @param lmHeadTensor the resolved LM head tensor (lm_head.weight or the tied embedding)
 * @param vocab        rows of the LM head
 * @param dModel       width of the residual stream
 * @param stamp        the model folder's {@link io.neuronatlas.checkpoint.Checkpoint#stamp()} when the run was planned
 * @param fingerprint  the checkpoint's {@link io.neuronatlas.checkpoint.Fingerprint}: with the stamp, the key of an
 *                     executor's cached checkpoint and head, since weights can change under an unchanged stamp
 * @param watch        token ids whose values every neuron reports (map --watch), in the order given
 */
public record MapSpec(String checkpoint, String modelDir, String stamp, String fingerprint, String lmHeadTensor,
                      int vocab, int dModel, boolean foldNorm, int topK, int batchSize, DeviceMode device,
                      List<Integer> watch)
        implements Serializable {

    /** Checkpoint names become directory names and SQL literals: keep them plain. */
    public static final Pattern CHECKPOINT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    public MapSpec {
        if (!CHECKPOINT_NAME.matcher(checkpoint).matches()) {
            throw new IllegalArgumentException("checkpoint name '" + checkpoint + "' must match "
                    + CHECKPOINT_NAME.pattern() + " (pass --checkpoint NAME)");
        }
        if (topK < 1 || topK > vocab) {
            throw new IllegalArgumentException("--top-k must be between 1 and the vocabulary size " + vocab
                    + ", found " + topK);
        }
        watch = List.copyOf(watch);
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be positive, found " + batchSize);
        }
    }
}
