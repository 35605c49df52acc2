package io.neuronatlas.compute.forward;

import ai.djl.pytorch.jni.JniUtils;
import io.neuronatlas.compute.device.Engines;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class with one PyTorch intra-op thread and restores the setting after it. The models here are tiny:
 * their many small operations spend more time in OpenMP's thread hand-offs than in arithmetic, ten times more on a
 * busy machine.
 */
final class OneTorchThread implements BeforeAllCallback, AfterAllCallback {
    private int previous;

    @Override
    public void beforeAll(ExtensionContext context) {
        Engines.pytorch();
        previous = JniUtils.getNumThreads();
        Engines.limitCpuThreads(1);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Engines.limitCpuThreads(previous);
    }
}
