package io.neuronatlas.testing;

import io.neuronatlas.atlas.RunRecord;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.jobs.MapJob;
import io.neuronatlas.jobs.MapOutcome;
import io.neuronatlas.plan.MapOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** Runs the map in the test Spark session with test-friendly defaults. */
public final class Maps {
    private Maps() {
    }

    public static Builder of(Path model, Path atlas) {
        return new Builder(model, atlas);
    }

    public static final class Builder {
        private final Path model;
        private final Path atlas;
        private String checkpoint;
        private List<MlpMatrix> matrices = List.of(MlpMatrix.values());
        private String layers = "all";
        private int topK = 20;
        private boolean foldNorm;
        private int shardSize;
        private int batchSize = 256;
        private DeviceMode device = DeviceMode.AUTO;
        private boolean force;
        private List<String> watch = List.of();

        private Builder(Path model, Path atlas) {
            this.model = model;
            this.atlas = atlas;
        }

        public Builder checkpoint(String v) {
            checkpoint = v;
            return this;
        }

        public Builder matrices(MlpMatrix... v) {
            matrices = List.of(v);
            return this;
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

        public Builder force(boolean v) {
            force = v;
            return this;
        }

        public Builder watch(String... v) {
            watch = List.of(v);
            return this;
        }

        public MapOptions options() {
            return new MapOptions(model, atlas.toString(), checkpoint, matrices, layers, topK, foldNorm, shardSize,
                    batchSize, device, watch, force);
        }

        /** The new run's record; null when the checkpoint was up to date. */
        public RunRecord run() throws IOException {
            return outcome().record();
        }

        public MapOutcome outcome() throws IOException {
            PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
            return new MapJob(TestSpark.session(), quiet).map(options());
        }
    }
}
