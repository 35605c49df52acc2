package io.neuronatlas.jobs;

import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.compute.device.DeviceMode;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What the drift command was asked, validated where the flags come in: a base checkpoint published in the atlas,
 * compared with another checkpoint of the same shapes and vocabulary, given as a model folder or as another
 * published checkpoint.
 *
 * @param atlas      the atlas folder, holding the base's map
 * @param base       the base checkpoint's name in the atlas
 * @param model      the other checkpoint's folder; null: the published checkpoint named by {@code checkpoint}
 * @param checkpoint the other checkpoint's name (default: the model folder's name)
 * @param force      compare even when the published drift is up to date
 */
public record DriftOptions(String atlas, String base, Path model, String checkpoint, DeviceMode device,
                           boolean force) {
    public static final DeviceMode DEFAULT_DEVICE = DeviceMode.AUTO;

    public DriftOptions {
        if (atlas == null) {
            throw new IllegalArgumentException("--atlas is required: the atlas holding the base's map");
        }
        if (base == null) {
            throw new IllegalArgumentException("--base is required: the checkpoint to compare with");
        }
        AtlasPaths.checkCheckpointName(base);
        if (model == null && checkpoint == null) {
            throw new IllegalArgumentException("give --model DIR (the checkpoint to compare with the base) or "
                    + "--checkpoint NAME (another checkpoint published in the atlas)");
        }
        if (checkpoint == null) {
            checkpoint = AtlasPaths.folderName(model);
        }
        AtlasPaths.checkCheckpointName(checkpoint);
        Objects.requireNonNull(device, "--device");
    }

    /** A builder starting from every default; the command line and Java callers fill it in. */
    public static Builder builder(String atlas, String base) {
        return new Builder(atlas, base);
    }

    public static final class Builder {
        private final String atlas;
        private final String base;
        private Path model;
        private String checkpoint;
        private DeviceMode device = DEFAULT_DEVICE;
        private boolean force;

        private Builder(String atlas, String base) {
            this.atlas = atlas;
            this.base = base;
        }

        /** The checkpoint to compare, as a model folder. */
        public Builder model(Path v) {
            model = v;
            return this;
        }

        /** Its name in the atlas; without a model folder, another checkpoint published in the atlas. */
        public Builder checkpoint(String v) {
            checkpoint = v;
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

        public DriftOptions build() {
            return new DriftOptions(atlas, base, model, checkpoint, device, force);
        }
    }
}
