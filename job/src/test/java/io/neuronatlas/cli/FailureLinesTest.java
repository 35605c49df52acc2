package io.neuronatlas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.jobs.CrashDrivers;
import io.neuronatlas.testing.AtlasFiles;
import io.neuronatlas.testing.Cli;
import io.neuronatlas.testing.Cli.Result;
import io.neuronatlas.testing.SmallDisk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failure is one line on the console: which shard or file, what went wrong, what to do, and that the published map
 * is unchanged. No stack trace, from neuron-atlas or from Spark's loggers, unless NEURON_ATLAS_DEBUG asks for one. A
 * full disk and a read-only one are real here (a small tmpfs) where the machine allows mounting one.
 */
class FailureLinesTest {
    @TempDir
    Path dir;

    private Path model() throws IOException {
        return new SyntheticCheckpoint().layers(1).dModel(32).dMlp(64).vocab(300).seed(9).write(dir.resolve("m"))
                .dir();
    }

    private static String[] map(Path model, Path atlas, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("map", "--model", model.toString(), "--out",
                atlas.toString(), "--matrices", "up", "--shard-size", "8", "--top-k", "5"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private static void assertOneLine(Result r, String... parts) {
        assertEquals(1, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().split("\n").length, "one line:\n" + r.err());
        for (String part : parts) {
            assertTrue(r.err().contains(part), "the line lacks '" + part + "': " + r.err());
        }
    }

    @Test
    void aFailedShardIsOneLineOnTheConsoleOfARealDriver() throws Exception {
        Path model = new SyntheticCheckpoint().layers(1).dModel(32).dMlp(16).vocab(300).write(dir.resolve("m"))
                .dir();
        Path log = dir.resolve("driver.log");
        Path conf = Path.of(System.getProperty("user.dir")).getParent().resolve("conf/log4j2.properties");
        Process driver = CrashDrivers.start(List.of("-Dlog4j2.configurationFile=" + conf.toUri()),
                Main.class.getName(), List.of(map(model, dir.resolve("atlas"), "--device", "gpu")), log);
        assertTrue(driver.waitFor(5, TimeUnit.MINUTES), "the driver did not end");
        List<String> lines = Files.readAllLines(log);
        assertEquals(1, driver.exitValue(), String.join("\n", lines));
        // The JVM's note on the vector module and the map's own progress lines; then the one line of the failure.
        List<String> other = lines.stream().filter(l -> !l.startsWith("[map] ")
                && !l.startsWith("WARNING: Using incubator modules")).toList();
        assertEquals(1, other.size(), "more than the failure's line:\n" + String.join("\n", lines));
        String line = other.get(0);
        // Whichever of the two shards failed first.
        assertTrue(line.matches("neuron-atlas map: shard [01] \\(up layer 0, neurons (0-7|8-15)\\): --device gpu "
                + "was asked for, but the engine cannot use CUDA .*"), line);
        assertTrue(line.endsWith("; nothing of m was published (the failed run's files were deleted)"), line);
    }

    @Test
    void aFullDiskIsOneLineAndTheFailedRunGivesItsSpaceBack() throws Exception {
        Path model = model();
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("disk"), 4096)) {
            Path atlas = disk.path().resolve("atlas");
            Result first = Cli.run(map(model, atlas));
            assertEquals(0, first.code(), first.err());
            String published = AtlasFiles.runFolders(atlas, "runs", "m").get(0).substring("run=".length());
            List<Row> before = AtlasFiles.rows(atlas, "neuron_tokens");
            long used = disk.used();
            // Room for a fraction of a second map: its shards fill the disk part way through.
            disk.resize(used / 1024 + 48);

            Result full = Cli.run(map(model, atlas, "--force"));
            assertOneLine(full, "neuron-atlas map: shard ", "No space left on device",
                    "free space where the atlas is, or map into another --out",
                    "the published map of m is unchanged (the failed run's files were deleted)");
            assertEquals(AtlasFiles.onlyRun(published), AtlasFiles.mapRunFolders(atlas, "m"));
            assertEquals(before, AtlasFiles.rows(atlas, "neuron_tokens"));
            assertTrue(disk.used() <= used + 16 * 1024, "the failed run kept " + (disk.used() - used) + " bytes");
        }
    }

    @Test
    void aReadOnlyAtlasIsOneLineNamingTheFolderNotTheLockFile() throws Exception {
        Path model = model();
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("disk"), 4096)) {
            Path atlas = disk.path().resolve("atlas");
            assertEquals(0, Cli.run(map(model, atlas)).code());
            disk.readOnly();
            assertOneLine(Cli.run(map(model, atlas, "--force")), "--out " + atlas + ": this folder cannot be written "
                    + "(read-only file system); whatever it holds stays as it is");
            assertOneLine(Cli.run(map(model, disk.path().resolve("new"))), "--out " + disk.path().resolve("new")
                    + ": cannot create the atlas folder");
        }
    }
}
