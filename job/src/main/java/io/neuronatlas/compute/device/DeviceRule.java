package io.neuronatlas.compute.device;

import ai.djl.Device;
import java.util.Optional;
import org.apache.spark.SparkConf;

/**
 * The device rule, the one place it is written: a GPU is wanted when --device gpu asks for one, or --device auto and
 * Spark schedules GPUs. The driver applies it to plan (shard sizes for the GPU when executors get GPUs, as inspect
 * shows them); each task applies it to the GPU address Spark assigned it, and fails rather than compute on the CPU
 * when the engine cannot use CUDA.
 */
public final class DeviceRule {
    /**
     * Spark setting for loopback clusters whose workers advertise made-up GPUs: a task records the GPU address
     * Spark assigned it and computes on the CPU, labelled {@code cpu (simulated gpu:N)} in the run record. Only
     * for exercising GPU scheduling where no GPU exists; without it such a task fails, as on any real cluster.
     */
    public static final String SIMULATE_GPU_AS_CPU = "spark.neuron-atlas.simulate-gpu-as-cpu";

    private final EngineProbe probe;

    public DeviceRule(EngineProbe probe) {
        this.probe = probe;
    }

    /** The rule itself. */
    public static boolean wantsGpu(DeviceMode mode, boolean gpuScheduled) {
        return mode == DeviceMode.GPU || (mode == DeviceMode.AUTO && gpuScheduled);
    }

    /** On the driver: whether the executors will compute on GPUs, from the Spark settings it was given. */
    public static boolean plansForGpu(DeviceMode mode, SparkConf conf) {
        return wantsGpu(mode, conf.getDouble("spark.executor.resource.gpu.amount", 0) > 0);
    }

    /**
     * @param mode        what --device asked for
     * @param assignedGpu the GPU address from the task's resources, if Spark scheduled one
     * @throws DeviceUnavailableException when a GPU is wanted but the engine cannot compute on one
     */
    public Device select(DeviceMode mode, Optional<String> assignedGpu) {
        if (!wantsGpu(mode, assignedGpu.isPresent())) {
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
        int index = assignedGpu.map(DeviceRule::parseAddress).orElse(0);
        if (index >= gpus) {
            throw new DeviceUnavailableException(why + ", but the engine sees only " + gpus + " GPU(s) ("
                    + probe.describe() + ")");
        }
        return Device.gpu(index);
    }

    /**
     * The device a task computes on and the label the run record shows for it.
     *
     * @param simulateGpuAsCpu {@link #SIMULATE_GPU_AS_CPU}: a test of GPU scheduling on a machine without GPUs
     */
    public DeviceChoice choose(DeviceMode mode, Optional<String> assignedGpu, boolean simulateGpuAsCpu) {
        if (simulateGpuAsCpu && wantsGpu(mode, assignedGpu.isPresent())) {
            int index = assignedGpu.map(DeviceRule::parseAddress).orElse(0);
            return new DeviceChoice(Device.cpu(), "cpu (simulated gpu:" + index + ")");
        }
        Device device = select(mode, assignedGpu);
        return new DeviceChoice(device, device.toString());
    }

    /** @param label what the run record shows: DJL's device name, or the simulation's */
    public record DeviceChoice(Device device, String label) {
        public DeviceChoice {
            if (label == null || label.isBlank()) {
                throw new IllegalArgumentException("a device choice needs a label");
            }
        }
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
