package io.neuronatlas.testing;

import io.neuronatlas.atlas.CatalogEntry;
import io.neuronatlas.atlas.PublishListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A publish listener for crash tests: at one step (before-publish or after-publish) it creates a signal file and
 * sleeps, so that the test can kill the driver process at exactly that point.
 */
public record PauseAt(String step, Path signal) implements PublishListener {
    @Override
    public void beforePublish(CatalogEntry entry) {
        pauseIf("before-publish");
    }

    @Override
    public void afterPublish(CatalogEntry entry) {
        pauseIf("after-publish");
    }

    private void pauseIf(String reached) {
        if (!reached.equals(step)) {
            return;
        }
        try {
            Files.writeString(signal, reached);
            Thread.sleep(600_000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
