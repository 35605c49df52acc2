package io.neuronatlas.plan;

import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.compute.CensusRule;
import io.neuronatlas.compute.device.DeviceMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the map command was asked, validated where the flags come in: each option's default is written once, here,
 * and the command's help text reads it from here.
 *
 * @param atlas       the atlas folder the map is written to; null when the options only plan (inspect)
 * @param checkpoint  the checkpoint's name in the atlas (default: the model folder's name)
 * @param matrices    the matrices to map; empty (the default) maps every matrix the architecture has: gate, up and
 *                    down, or up and down for an MLP that is not gated
 * @param layers      a layer list such as "0-15,20", or "all"; resolved against the model by {@link MapPlanner}
 * @param shardSize   neurons per task; 0 sizes shards for the device
 * @param watchTokens token strings (" dog") whose score, prob and normalized_prob are written for every neuron into
 *                    the token_profiles table
 * @param force       map even when the atlas already holds this checkpoint's map for the same weights and parameters
 */
public record MapOptions(Path modelDir, String atlas, String checkpoint, List<MlpMatrix> matrices, String layers,
                         int topK, boolean foldNorm, int shardSize, int batchSize, DeviceMode device,
                         List<String> watchTokens, boolean force, CensusRule census) {
    /** Every matrix the model's architecture has. */
    public static final List<MlpMatrix> DEFAULT_MATRICES = List.of();
    public static final String ALL_LAYERS = "all";
    public static final int DEFAULT_TOP_K = 20;
    public static final int DEFAULT_BATCH_SIZE = 256;
    public static final DeviceMode DEFAULT_DEVICE = DeviceMode.AUTO;

    public MapOptions {
        Objects.requireNonNull(modelDir, "modelDir");
        AtlasPaths.checkCheckpointName(checkpoint);
        matrices = List.copyOf(matrices);
        if (topK < 1) {
            throw new IllegalArgumentException("--top-k must be at least 1, found " + topK);
        }
        if (shardSize < 0) {
            throw new IllegalArgumentException("--shard-size must be positive (or left out to size shards for the "
                    + "device), found " + shardSize);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be positive, found " + batchSize);
        }
        watchTokens = List.copyOf(watchTokens);
        Objects.requireNonNull(census, "census");
    }

    public static Builder builder(Path modelDir, String atlas) {
        return new Builder(modelDir, atlas);
    }

    /** A builder starting from every default; the command line and the tests fill it in. */
    public static final class Builder {
        private Path modelDir;
        private String atlas;
        private String checkpoint;
        private List<MlpMatrix> matrices = DEFAULT_MATRICES;
        private String layers = ALL_LAYERS;
        private int topK = DEFAULT_TOP_K;
        private boolean foldNorm;
        private double censusKurtosis = CensusRule.DEFAULT_KURTOSIS;
        /** Null until --shard-size is given: then it must be positive (0 is not "the default"). */
        private Integer shardSize;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private DeviceMode device = DEFAULT_DEVICE;
        private List<String> watchTokens = new ArrayList<>();
        private boolean force;

        private Builder(Path modelDir, String atlas) {
            this.modelDir = modelDir;
            this.atlas = atlas;
        }

        public Builder modelDir(Path v) {
            modelDir = v;
            return this;
        }

        public Builder atlas(String v) {
            atlas = v;
            return this;
        }

        /** The name in the atlas; null names the checkpoint after its folder. */
        public Builder checkpoint(String v) {
            checkpoint = v;
            return this;
        }

        public Builder matrices(List<MlpMatrix> v) {
            matrices = List.copyOf(v);
            return this;
        }

        /** "gate,up,down" or a part of it, in any order and with repeats. */
        public Builder matrices(String list) {
            List<MlpMatrix> parsed = new ArrayList<>();
            if (list.isBlank()) {
                throw new IllegalArgumentException("--matrices must name at least one of gate, up, down");
            }
            for (String m : list.split(",")) {
                MlpMatrix matrix = MlpMatrix.fromLabel(m);
                if (!parsed.contains(matrix)) {
                    parsed.add(matrix);
                }
            }
            return matrices(parsed);
        }

        public Builder layers(String v) {
            layers = v;
            return this;
        }

        public Builder topK(int v) {
            topK = v;
            return this;
        }

        public Builder foldNorm(boolean v) {
            foldNorm = v;
            return this;
        }

        public Builder shardSize(int v) {
            shardSize = v;
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder device(DeviceMode v) {
            device = v;
            return this;
        }

        public Builder watch(String token) {
            watchTokens.add(token);
            return this;
        }

        /** The kurtosis above which a down_proj neuron is a prediction or suppression neuron (--census-kurtosis). */
        public Builder censusKurtosis(double v) {
            censusKurtosis = v;
            return this;
        }

        public Builder force(boolean v) {
            force = v;
            return this;
        }

        public Path modelDir() {
            return modelDir;
        }

        public String checkpoint() {
            return checkpoint;
        }

        public MapOptions build() {
            Objects.requireNonNull(modelDir, "--model");
            if (shardSize != null && shardSize < 1) {
                throw new IllegalArgumentException("--shard-size must be positive, found " + shardSize + " (leave it "
                        + "out to size shards for the device)");
            }
            String name = checkpoint != null ? checkpoint : AtlasPaths.folderName(modelDir);
            return new MapOptions(modelDir, atlas, name, matrices, layers, topK, foldNorm,
                    shardSize == null ? 0 : shardSize, batchSize, device, watchTokens, force,
                    new CensusRule(censusKurtosis));
        }
    }
}
