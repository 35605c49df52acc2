package io.neuronatlas.compute.device;

/**
 * What the tensor engine can really use. DJL silently runs on the CPU when no CUDA libtorch matches, so the job
 * asks the engine rather than trusting what Spark or the user asked for.
 */
public interface EngineProbe {

    /** GPUs the loaded engine can compute on (0 for a CPU-only libtorch). */
    int gpuCount();

    /** Engine name and version, and the native library flavour, for error messages and the run record. */
    String describe();
}
