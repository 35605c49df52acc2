package io.neuronatlas.device;

import ai.djl.Device;
import java.util.Optional;

/**
 * Turns --device and the GPU address Spark assigned a task into the DJL device it computes on. The single place
 * this decision is made, so local runs, cluster runs and tests all follow the same rule.
 */
public final class DeviceSelector {
    private final EngineProbe probe;

    public DeviceSelector(EngineProbe probe) {
        this.probe = probe;
    }

    /**
     * @param mode        what --device asked for
     * @param assignedGpu the GPU address from the task's resources, if Spark scheduled one
     * @throws DeviceUnavailableException when a GPU is wanted but the engine cannot compute on one
     */
    public Device select(DeviceMode mode, Optional<String> assignedGpu) {
        boolean wantsGpu = mode == DeviceMode.GPU || (mode == DeviceMode.AUTO && assignedGpu.isPresent());
        if (mode == DeviceMode.CPU || !wantsGpu) {
            return Device.cpu();
        }
        int gpus = probe.gpuCount();
        String why = assignedGpu.map(a -> "Spark assigned this task GPU " + a)
                .orElse("--device gpu was asked for");
        if (gpus <= 0) {
            throw new DeviceUnavailableException(why + ", but the engine cannot use CUDA (" + probe.describe()
                    + "): it would silently compute on the CPU. Give the executors a CUDA libtorch "
                    + "(PYTORCH_LIBRARY_PATH, or PYTORCH_FLAVOR with DJL's cache; see conf/README) or run with "
                    + "--device cpu.");
        }
        int index = assignedGpu.map(a -> parseAddress(a)).orElse(0);
        if (index >= gpus) {
            throw new DeviceUnavailableException(why + ", but the engine sees only " + gpus + " GPU(s) ("
                    + probe.describe() + ")");
        }
        return Device.gpu(index);
    }

    private static int parseAddress(String address) {
        try {
            return Integer.parseInt(address.trim());
        } catch (NumberFormatException e) {
            throw new DeviceUnavailableException("GPU address '" + address + "' from Spark is not a device index");
        }
    }

    /** Raised instead of falling back to the CPU. */
    public static final class DeviceUnavailableException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        public DeviceUnavailableException(String message) {
            super(message);
        }
    }
}
