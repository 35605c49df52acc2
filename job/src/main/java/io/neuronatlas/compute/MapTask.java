package io.neuronatlas.compute;

import io.neuronatlas.checkpoint.CheckpointRef;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.compute.projection.HeadSpec;
import java.io.Serializable;
import java.util.List;

/**
 * Everything an executor needs to compute any shard of one map run, as plain data whose values the driver has
 * already checked (MapOptions, MapPlanner).
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
        // Checked once, by MapOptions and MapPlanner, before any task is made.
        watchTokenIds = List.copyOf(watchTokenIds);
    }

    public int[] watchTokenIdArray() {
        return watchTokenIds.stream().mapToInt(Integer::intValue).toArray();
    }
}
