package io.neuronatlas.plan;

import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.atlas.CensusRule;
import io.neuronatlas.checkpoint.CheckpointRef;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.compute.projection.HeadSpec;
import java.io.Serializable;
import java.util.List;

/**
 * Everything an executor needs to compute any shard of one map run, as plain data.
 *
 * @param checkpoint    the checkpoint's name in the atlas (a partition value)
 * @param source        the model folder and the version of it that was planned
 * @param head          the LM head the neurons are projected through
 * @param topK          tokens kept per neuron and polarity
 * @param batchSize     neurons per matrix product
 * @param watchTokenIds token ids whose values every neuron reports (map --watch), in the order given
 * @param census        the rule that classifies down_proj neurons
 */
public record MapTask(String checkpoint, CheckpointRef source, HeadSpec head, int topK, int batchSize,
                      DeviceMode device, List<Integer> watchTokenIds, CensusRule census) implements Serializable {
    public MapTask {
        AtlasPaths.checkCheckpointName(checkpoint);
        if (topK < 1 || topK > head.vocab()) {
            throw new IllegalArgumentException("--top-k must be between 1 and the vocabulary size " + head.vocab()
                    + ", found " + topK);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be positive, found " + batchSize);
        }
        watchTokenIds = List.copyOf(watchTokenIds);
    }

    public int[] watchTokenIdArray() {
        return watchTokenIds.stream().mapToInt(Integer::intValue).toArray();
    }
}
