package io.neuronatlas.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a loopback cluster is started with, checked before any process is. */
class LoopbackClusterSettingsTest {

    @Test
    void classPathEntriesBecomeAbsoluteBecauseDaemonsRunInTheirOwnFolders() {
        var s = new LoopbackCluster.Settings(Path.of("c"), 2, 1, "1g", true, "job/target/spark-lib/*:/abs/x.jar",
                Duration.ofSeconds(1), false);
        String[] entries = s.sparkClasspath().split(":");
        assertEquals(2, entries.length);
        assertEquals(Path.of("job/target/spark-lib/*").toAbsolutePath().toString(), entries[0]);
        assertEquals("/abs/x.jar", entries[1]);
    }

    @Test
    void aClusterNeedsAWorkerACoreAndSpark() {
        assertThrows(IllegalArgumentException.class,
                () -> new LoopbackCluster.Settings(Path.of("c"), 0, 1, "1g", true, "x.jar", Duration.ofSeconds(1),
                        false));
        assertThrows(IllegalArgumentException.class,
                () -> new LoopbackCluster.Settings(Path.of("c"), 1, 0, "1g", true, "x.jar", Duration.ofSeconds(1),
                        false));
        assertThrows(IllegalArgumentException.class,
                () -> new LoopbackCluster.Settings(Path.of("c"), 1, 1, "1g", true, " ", Duration.ofSeconds(1), false));
    }

    @Test
    void pinningNeedsACoreOfItsOwnForEveryWorkerCore() {
        int cores = Runtime.getRuntime().availableProcessors();
        new LoopbackCluster.Settings(Path.of("c"), cores, 1, "1g", false, "x.jar", Duration.ofSeconds(1), true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LoopbackCluster.Settings(
                Path.of("c"), cores + 1, 1, "1g", false, "x.jar", Duration.ofSeconds(1), true));
        assertTrue(e.getMessage().contains("this machine has " + cores), e.getMessage());
    }

    @Test
    void theInstallationIsSparksJarsPlusScalaAndSlf4j(@TempDir Path target) throws IOException {
        Files.createDirectories(target.resolve("spark-lib"));
        Files.createDirectories(target.resolve("lib"));
        var e = assertThrows(IOException.class, () -> LoopbackCluster.installationClasspath(target));
        assertTrue(e.getMessage().contains("mvn package"), e.getMessage());
        for (String jar : new String[] {"scala-library-2.13.17.jar", "slf4j-api-2.0.17.jar", "api-0.35.1.jar"}) {
            Files.createFile(target.resolve("lib").resolve(jar));
        }
        assertEquals(target.resolve("spark-lib") + "/*:" + target.resolve("lib/scala-library-2.13.17.jar") + ":"
                + target.resolve("lib/slf4j-api-2.0.17.jar"), LoopbackCluster.installationClasspath(target));
    }
}
