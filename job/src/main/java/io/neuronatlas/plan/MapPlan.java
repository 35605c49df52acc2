package io.neuronatlas.plan;

import io.neuronatlas.atlas.CheckpointEntry;
import io.neuronatlas.atlas.OutputParameters;
import io.neuronatlas.checkpoint.CheckpointRef;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.ModelConfig;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.compute.MapTask;
import io.neuronatlas.compute.Shard;
import io.neuronatlas.compute.projection.HeadSpec;
import java.util.List;

/**
 * The driver's plan of one map run, made from config.json, the safetensors headers and tokenizer.json alone.
 *
 * @param matrices      the mapped matrices in gate, up, down order
 * @param layers        the mapped layers, ascending
 * @param shards        one Spark task each, in plan order
 * @param watchTokenIds the ids of options' watch tokens, in the same order
 * @param dtype         the stored dtypes of the tensors the map reads, e.g. "BF16"
 */
public record MapPlan(MapOptions options, String modelDir, String stamp, ModelConfig config, String lmHeadTensor,
                      String dtype, List<MlpMatrix> matrices, List<Integer> layers, List<Shard> shards, int shardSize,
                      TokenTable tokens, List<Integer> watchTokenIds) {
    public MapPlan {
        matrices = List.copyOf(matrices);
        layers = List.copyOf(layers);
        shards = List.copyOf(shards);
        watchTokenIds = List.copyOf(watchTokenIds);
    }

    public String checkpoint() {
        return options.checkpoint();
    }

    public long neurons() {
        return shards.stream().mapToLong(Shard::count).sum();
    }

    public List<String> matrixLabels() {
        return matrices().stream().map(MlpMatrix::label).toList();
    }

    /** What every executor is told, once the checkpoint's fingerprint is known. */
    public MapTask task(String fingerprint) {
        return new MapTask(checkpoint(), new CheckpointRef(modelDir, stamp, fingerprint),
                new HeadSpec(lmHeadTensor, config.vocab(), config.dModel(), options.foldNorm(),
                        config.logitSoftcap()), options.topK(),
                options.batchSize(), options.device(), watchTokenIds, options.census());
    }

    /** The parameters that decide the rows, as the checkpoints table keeps them. */
    public OutputParameters outputParameters() {
        return new OutputParameters(matrixLabels(), layers, options.topK(), options.foldNorm(), lmHeadTensor,
                options.watchTokens(), options.census().kurtosis());
    }

    /** The checkpoints table's row naming a finished run of this plan as the checkpoint's map. */
    public CheckpointEntry entry(String run, String fingerprint, String finishedAt) {
        return new CheckpointEntry(checkpoint(), run, fingerprint, config.modelType(),
                new CheckpointEntry.Shapes(config.layers(), config.dModel(), config.dMlp(), config.vocab(),
                        config.experts().count(), config.experts().width(), config.experts().sharedWidth()), dtype,
                finishedAt, outputParameters());
    }
}
