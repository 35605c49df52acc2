package io.neuronatlas.jobs;

import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.compute.device.DeviceMode;
import io.neuronatlas.compute.forward.ClampScope;
import io.neuronatlas.compute.forward.Precision;
import io.neuronatlas.compute.forward.ValueRange;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The model a forward-pass job (clamp, generate, validate) runs, how, and its name in the atlas: what those jobs
 * share, defaulted and checked once, here.
 *
 * @param checkpoint the checkpoint's name in the atlas (default: the model folder's name, as map names it)
 * @param device     auto: the GPU Spark assigned a task, else the CPU; gpu: GPU 0 or fail
 * @param precision  weights and activations on the device (fp16: GPUs only)
 */
public record DecoderOptions(Path modelDir, String checkpoint, DeviceMode device, Precision precision) {
    public static final DeviceMode DEFAULT_DEVICE = DeviceMode.AUTO;
    public static final Precision DEFAULT_PRECISION = Precision.FP32;
    /** The clamp values of clamp and validate: the sweep of the paper's Figure 3. */
    public static final ValueRange DEFAULT_VALUES = ValueRange.FIGURE_3;
    /** Clamped at every position of the prompt, as the paper. */
    public static final ClampScope DEFAULT_SCOPE = ClampScope.ALL;

    public DecoderOptions {
        Objects.requireNonNull(modelDir, "--model");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(precision, "precision");
        checkpoint = checkpoint != null ? checkpoint : AtlasPaths.folderName(modelDir);
        if (precision == Precision.FP16 && device == DeviceMode.CPU) {
            throw new IllegalArgumentException("--precision fp16 is for GPUs; with --device cpu use fp32");
        }
    }

    /** The model folder with every default. */
    public static DecoderOptions of(Path modelDir) {
        return new DecoderOptions(modelDir, null, DEFAULT_DEVICE, DEFAULT_PRECISION);
    }

    /**
     * The fields every forward job's builder has: the command line and Java callers fill them in, then the job's
     * own builder makes its record.
     */
    public abstract static class Builder<B extends Builder<B>> {
        Path modelDir;
        String checkpoint;
        DeviceMode device = DEFAULT_DEVICE;
        Precision precision = DEFAULT_PRECISION;
        boolean chat;
        String atlas;
        ClampScope scope = DEFAULT_SCOPE;

        abstract B self();

        public B modelDir(Path v) {
            modelDir = v;
            return self();
        }

        /** The name in the atlas; null names the checkpoint after its folder. */
        public B checkpoint(String v) {
            checkpoint = v;
            return self();
        }

        public B device(DeviceMode v) {
            device = v;
            return self();
        }

        public B precision(Precision v) {
            precision = v;
            return self();
        }

        /** Formats each prompt as a user message with the model's chat template. */
        public B chat(boolean v) {
            chat = v;
            return self();
        }

        /** The atlas folder the result is published in; null (the default, where optional) writes nothing. */
        public B atlas(String v) {
            atlas = v;
            return self();
        }

        /** Where the clamped neurons are held: every position of the prompt (the default) or the last. */
        public B scope(ClampScope v) {
            scope = v;
            return self();
        }

        DecoderOptions model() {
            return new DecoderOptions(modelDir, checkpoint, device, precision);
        }
    }

    /** What clamp and validate add: the clamp values each neuron is swept over. */
    public abstract static class SweepBuilder<B extends SweepBuilder<B>> extends Builder<B> {
        ValueRange values = DEFAULT_VALUES;

        public B values(ValueRange v) {
            values = v;
            return self();
        }

        /** START:STOP:COUNT, as --values takes it. */
        public B values(String v) {
            return values(ValueRange.parse("--values", v));
        }
    }
}
