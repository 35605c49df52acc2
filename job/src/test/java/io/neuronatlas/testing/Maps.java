package io.neuronatlas.testing;

import io.neuronatlas.atlas.PublishListener;
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

/** Runs the map in the test Spark session, with the command's own defaults unless a test says otherwise. */
public final class Maps {
    private Maps() {
    }

    public static Builder of(Path model, Path atlas) {
        return new Builder(model, atlas);
    }

    public static final class Builder {
        private final MapOptions.Builder options;

        private Builder(Path model, Path atlas) {
            options = MapOptions.builder(model, atlas.toString());
        }

        public Builder checkpoint(String v) {
            options.checkpoint(v);
            return this;
        }

        public Builder matrices(MlpMatrix... v) {
            options.matrices(List.of(v));
            return this;
        }

        public Builder layers(String v) {
            options.layers(v);
            return this;
        }

        public Builder topK(int v) {
            options.topK(v);
            return this;
        }

        public Builder foldNorm(boolean v) {
            options.foldNorm(v);
            return this;
        }

        public Builder shardSize(int v) {
            options.shardSize(v);
            return this;
        }

        public Builder batchSize(int v) {
            options.batchSize(v);
            return this;
        }

        public Builder device(DeviceMode v) {
            options.device(v);
            return this;
        }

        public Builder censusKurtosis(double v) {
            options.censusKurtosis(v);
            return this;
        }

        public Builder force(boolean v) {
            options.force(v);
            return this;
        }

        public Builder watch(String... tokens) {
            for (String token : tokens) {
                options.watch(token);
            }
            return this;
        }

        public MapOptions options() {
            return options.build();
        }

        /** The new run's record; null when the checkpoint was up to date. */
        public RunRecord run() throws IOException {
            return outcome().record();
        }

        public MapOutcome outcome() throws IOException {
            return outcome(PublishListener.NONE);
        }

        public MapOutcome outcome(PublishListener listener) throws IOException {
            PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
            return new MapJob(TestSpark.session(), quiet, listener).map(options());
        }
    }
}
