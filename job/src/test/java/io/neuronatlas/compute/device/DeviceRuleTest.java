package io.neuronatlas.compute.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.util.Optional;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** The device rule, with the engine's answer simulated: never a silent fall back to the CPU. */
class DeviceRuleTest {

    private static DeviceRule engineWith(int gpus) {
        return new DeviceRule(new EngineProbe() {
            @Override
            public int gpuCount() {
                return gpus;
            }

            @Override
            public String describe() {
                return "simulated engine with " + gpus + " GPU(s)";
            }
        });
    }

    @Test
    void theDriverPlansForGpusExactlyWhenTheTasksWillWantThem() {
        SparkConf none = new SparkConf(false);
        SparkConf gpus = new SparkConf(false).set("spark.executor.resource.gpu.amount", "1");
        assertFalse(DeviceRule.plansForGpu(DeviceMode.AUTO, none));
        assertTrue(DeviceRule.plansForGpu(DeviceMode.AUTO, gpus));
        assertFalse(DeviceRule.plansForGpu(DeviceMode.CPU, gpus));
        assertTrue(DeviceRule.plansForGpu(DeviceMode.GPU, none));
        // The same rule a task applies to its assigned address.
        for (DeviceMode mode : DeviceMode.values()) {
            for (boolean scheduled : new boolean[] {false, true}) {
                boolean planned = DeviceRule.plansForGpu(mode, scheduled ? gpus : none);
                boolean taskWantsGpu = !engineWith(1).select(mode, scheduled ? Optional.of("0") : Optional.empty())
                        .equals(Device.cpu());
                assertEquals(planned, taskWantsGpu, mode + ", GPUs scheduled: " + scheduled);
            }
        }
    }

    @Test
    void autoWithoutAnAssignedGpuUsesTheCpu() {
        assertEquals(Device.cpu(), engineWith(0).select(DeviceMode.AUTO, Optional.empty()));
        assertEquals(Device.cpu(), engineWith(2).select(DeviceMode.AUTO, Optional.empty()));
    }

    @Test
    void autoUsesTheGpuSparkAssigned() {
        assertEquals(Device.gpu(1), engineWith(2).select(DeviceMode.AUTO, Optional.of("1")));
    }

    @Test
    void cpuIgnoresAnAssignedGpu() {
        assertEquals(Device.cpu(), engineWith(2).select(DeviceMode.CPU, Optional.of("0")));
    }

    @Test
    void anAssignedGpuTheEngineCannotUseFailsClearly() {
        var e = assertThrows(DeviceRule.DeviceUnavailableException.class,
                () -> engineWith(0).select(DeviceMode.AUTO, Optional.of("0")));
        assertTrue(e.getMessage().contains("Spark assigned this task GPU 0"), e.getMessage());
        assertTrue(e.getMessage().contains("cannot use CUDA"), e.getMessage());
        assertTrue(e.getMessage().contains("simulated engine with 0 GPU(s)"), e.getMessage());
    }

    @Test
    void gpuAskedForOnACpuOnlyEngineFailsClearly() {
        var e = assertThrows(DeviceRule.DeviceUnavailableException.class,
                () -> engineWith(0).select(DeviceMode.GPU, Optional.empty()));
        assertTrue(e.getMessage().contains("--device gpu was asked for"), e.getMessage());
    }

    @Test
    void anAddressBeyondTheEnginesGpusFails() {
        var e = assertThrows(DeviceRule.DeviceUnavailableException.class,
                () -> engineWith(1).select(DeviceMode.AUTO, Optional.of("3")));
        assertTrue(e.getMessage().contains("sees only 1 GPU"), e.getMessage());
        assertThrows(DeviceRule.DeviceUnavailableException.class,
                () -> engineWith(1).select(DeviceMode.AUTO, Optional.of("gpu-a")));
    }

    @Test
    void theGpuSimulationComputesOnTheCpuAndSaysSoInItsLabel() {
        var choice = engineWith(0).choose(DeviceMode.AUTO, Optional.of("1"), true);
        assertEquals(Device.cpu(), choice.device());
        assertEquals("cpu (simulated gpu:1)", choice.label());
        // No GPU wanted: the simulation changes nothing.
        assertEquals("cpu()", engineWith(0).choose(DeviceMode.AUTO, Optional.empty(), true).label());
        assertEquals("cpu()", engineWith(0).choose(DeviceMode.CPU, Optional.of("0"), true).label());
        assertEquals("cpu (simulated gpu:0)", engineWith(0).choose(DeviceMode.GPU, Optional.empty(), true).label());
    }

    @Test
    void withoutTheSimulationAnAssignedGpuOnACpuEngineStillFails() {
        var e = assertThrows(DeviceRule.DeviceUnavailableException.class,
                () -> engineWith(0).choose(DeviceMode.AUTO, Optional.of("1"), false));
        assertTrue(e.getMessage().contains("Spark assigned this task GPU 1"), e.getMessage());
        var real = engineWith(2).choose(DeviceMode.AUTO, Optional.of("1"), false);
        assertEquals(Device.gpu(1), real.device());
        assertEquals(Device.gpu(1).toString(), real.label());
    }

    @Test
    void deviceModeParsing() {
        assertEquals(DeviceMode.GPU, DeviceMode.parse(" GPU "));
        var e = assertThrows(IllegalArgumentException.class, () -> DeviceMode.parse("tpu"));
        assertTrue(e.getMessage().contains("--device"));
    }
}
