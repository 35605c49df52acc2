package io.neuronatlas.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** An executor's peak memory, as the run record reports it. */
class ProcessMemoryTest {

    @Test
    void peakMemoryComesFromTheKernelsHighWaterMark() {
        assertEquals(123_456L * 1024, ProcessMemory.parseKiloBytes("VmHWM:\t  123456 kB"));
        assertThrows(IllegalArgumentException.class, () -> ProcessMemory.parseKiloBytes("VmHWM: 12 MB"));
        long rss = ProcessMemory.peakRssBytes();
        // This JVM has at least its heap's used part resident.
        long used = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        assertTrue(rss >= used, "VmHWM " + rss + " < used heap " + used);
    }
}
