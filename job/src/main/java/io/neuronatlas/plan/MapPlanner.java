package io.neuronatlas.plan;

import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.Fingerprint;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.ModelConfig;
import io.neuronatlas.checkpoint.tokenizer.PromptEncoder;
import io.neuronatlas.checkpoint.tokenizer.TargetResolver;
import io.neuronatlas.checkpoint.tokenizer.TokenTable;
import io.neuronatlas.compute.Shard;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Plans a map from an open checkpoint's headers: the layers, the shards sized for the device the executors will
 * use, the watched tokens' ids. The map and inspect both plan here, so inspect shows what map will do. Reading the
 * tokenizer and checking --fold-norm's tensor here makes a bad folder fail before any task.
 */
public final class MapPlanner {
    private MapPlanner() {
    }

    /** @param gpus whether the executors compute on GPUs ({@link io.neuronatlas.compute.device.DeviceRule}) */
    public static MapPlan plan(Checkpoint checkpoint, MapOptions options, boolean gpus) throws IOException {
        return plan(checkpoint, options, gpus, MemoryBudget.UNKNOWN);
    }

    /**
     * As {@link #plan(Checkpoint, MapOptions, boolean)}, and refuses a --batch-size whose logits would not fit the
     * executors' memory.
     */
    public static MapPlan plan(Checkpoint checkpoint, MapOptions options, boolean gpus, MemoryBudget memory)
            throws IOException {
        ModelConfig config = checkpoint.config();
        List<Integer> layers = LayerSelection.parse(options.layers(), config.layers());
        List<MlpMatrix> matrices = matrices(checkpoint, options);
        int shardSize = options.shardSize() > 0 ? options.shardSize()
                : ShardPlanner.defaultShardSize(config, gpus);
        // A task never multiplies more neurons at once than its shard holds.
        memory.check(Math.min(options.batchSize(), Math.min(shardSize, config.maxNeuronsPerLayer())), config.vocab(),
                config.dModel(), options.batchSize());
        List<Shard> shards = ShardPlanner.plan(config, matrices, layers, shardSize);
        if (options.foldNorm()) {
            checkpoint.requireFinalNorm();
        }
        if (options.topK() > config.vocab()) {
            throw new IllegalArgumentException("--top-k must be between 1 and the vocabulary size " + config.vocab()
                    + ", found " + options.topK());
        }
        TokenTable tokens = checkpoint.tokens();
        List<Integer> watch = new ArrayList<>();
        if (!options.watchTokens().isEmpty()) {
            // The id the model emits for each text, as clamp and validate resolve a target.
            try (PromptEncoder encoder = PromptEncoder.open(options.modelDir(), config.vocab())) {
                TargetResolver resolver = new TargetResolver(encoder, "--watch", null);
                for (String token : options.watchTokens()) {
                    watch.add(resolver.resolve(token).id());
                }
            }
        }
        String dtype = Fingerprint.tensorsTheMapReads(checkpoint).stream().map(t -> t.dtype().toString())
                .distinct().sorted().collect(Collectors.joining(","));
        return new MapPlan(options, options.modelDir().toAbsolutePath().normalize().toString(), checkpoint.stamp(),
                config, checkpoint.lmHeadTensor(), dtype, matrices, layers, shards, shardSize, tokens, watch);
    }

    /** The asked matrices in gate, up, down order, or all the architecture has; one it lacks is an error. */
    static List<MlpMatrix> matrices(Checkpoint checkpoint, MapOptions options) {
        List<MlpMatrix> has = checkpoint.architecture().matrices();
        if (options.matrices().isEmpty()) {
            return has;
        }
        for (MlpMatrix m : options.matrices()) {
            if (!has.contains(m)) {
                throw new IllegalArgumentException("--matrices " + m.label() + ": " + checkpoint.config().modelType()
                        + " has no " + m.label() + " matrix; its MLP is not gated, and the atlas calls its matrices "
                        + has.stream().map(MlpMatrix::label).toList() + " (" + checkpoint.architecture().description()
                        + ")");
            }
        }
        return has.stream().filter(options.matrices()::contains).toList();
    }
}
