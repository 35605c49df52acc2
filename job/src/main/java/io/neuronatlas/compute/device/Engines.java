package io.neuronatlas.compute.device;

import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;

/**
 * The one place the PyTorch engine is started. DJL must never reach for the network (clusters and test machines
 * are offline), so offline mode is forced before the engine loads its native library.
 */
public final class Engines {
    private static final String ENGINE = "PyTorch";

    private Engines() {
    }

    public static Engine pytorch() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        return Engine.getEngine(ENGINE);
    }

    /** The probe of the engine actually loaded in this JVM. */
    public static EngineProbe probe() {
        return new EngineProbe() {
            @Override
            public int gpuCount() {
                return pytorch().getGpuCount();
            }

            @Override
            public String describe() {
                Engine engine = pytorch();
                return engine.getEngineName() + " " + engine.getVersion() + " (DJL " + Engine.getDjlVersion()
                        + ", CUDA " + (CudaUtils.hasCuda() ? "driver present" : "not available") + ")";
            }
        };
    }

    /**
     * Intra-op threads for CPU matrix products. Spark runs several tasks per executor at once, each owning
     * spark.task.cpus cores; letting every product take all cores oversubscribes them.
     */
    public static void limitCpuThreads(int threads) {
        pytorch();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(Math.max(1, threads));
    }

    /** The intra-op threads products use now: what a task may also use for its own host work between them. */
    public static int cpuThreads() {
        pytorch();
        return Math.max(1, ai.djl.pytorch.jni.JniUtils.getNumThreads());
    }
}
