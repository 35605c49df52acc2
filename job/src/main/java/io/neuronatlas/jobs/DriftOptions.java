package io.neuronatlas.jobs;

import io.neuronatlas.atlas.AtlasPaths;
import io.neuronatlas.compute.device.DeviceMode;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What drift compares: a base checkpoint published in the atlas with another checkpoint of the same shapes and
 * vocabulary, given as a model folder or as another published checkpoint.
 *
 * @param atlas      the atlas folder, holding the base's map
 * @param base       the base checkpoint's name in the atlas
 * @param model      the other checkpoint's folder; null: the published checkpoint named by {@code checkpoint}
 * @param checkpoint the other checkpoint's name (default: the model folder's name)
 * @param force      compare even when the published drift is up to date
 */
public record DriftOptions(String atlas, String base, Path model, String checkpoint, DeviceMode device,
                           boolean force) {
    public DriftOptions {
        Objects.requireNonNull(atlas, "--atlas");
        AtlasPaths.checkCheckpointName(base);
        if (model == null && checkpoint == null) {
            throw new IllegalArgumentException("give --model DIR (the checkpoint to compare with the base) or "
                    + "--checkpoint NAME (another checkpoint published in the atlas)");
        }
        if (checkpoint == null) {
            checkpoint = model.toAbsolutePath().normalize().getFileName().toString();
        }
        AtlasPaths.checkCheckpointName(checkpoint);
        Objects.requireNonNull(device, "device");
    }
}
