package io.neuronatlas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.testing.Cli;
import io.neuronatlas.testing.Cli.Result;
import io.neuronatlas.testing.TestSpark;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: help, errors, and demo → map → find-token. */
class MainTest {
    @TempDir
    Path dir;

    @Test
    void everyCommandHasItsOwnHelp() {
        // What users run; the benchmarks have their own command line in the bench module (BenchMainTest).
        assertEquals(List.of("map", "inspect", "find-token", "demo", "compare", "sql", "alignment", "top-neurons",
                "profile", "report", "clamp", "generate", "validate", "examples", "census", "drift", "shell", "serve"),
                Main.COMMANDS.stream().map(Command::name).toList());
        for (Command c : Main.COMMANDS) {
            String command = c.name();
            Result r = Cli.run(command, "--help");
            assertEquals(0, r.code(), command + ": " + r.err());
            assertTrue(r.out().contains("neuron-atlas " + command), r.out());
        }
        Result map = Cli.run("map", "--help");
        for (String option : new String[] {"--model", "--out", "--checkpoint", "--matrices", "--layers", "--top-k",
            "--fold-norm", "--shard-size", "--batch-size", "--device", "--master", "--force", "--models-dir",
            "--watch"}) {
            assertTrue(map.out().contains(option), "map --help lacks " + option);
        }
        for (String[] forward : new String[][] {
            {"clamp", "--model", "--neuron", "--prompt", "--chat", "--target", "--values", "--scope", "--format",
                "--atlas", "--checkpoint", "--device", "--precision"},
            {"generate", "--model", "--prompt", "--chat", "--clamp", "--samples", "--max-tokens", "--temperature",
                "--top-p", "--seed", "--atlas"},
            {"validate", "--atlas", "--model", "--checkpoint", "--token", "--prompts", "--candidates", "--values",
                "--scope", "--format"}}) {
            String help = Cli.run(forward[0], "--help").out();
            for (int i = 1; i < forward.length; i++) {
                assertTrue(help.contains(forward[i]), forward[0] + " --help lacks " + forward[i]);
            }
        }
        Result top = Cli.run("--help");
        assertTrue(top.out().contains("find-token") && top.out().contains("inspect"), top.out());
        assertTrue(!top.out().contains("bench"), "benchmarks are not in the product's help: " + top.out());
    }

    @Test
    void usageErrorsExitWithTwo() {
        Result missing = Cli.run("map", "--out", "x");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("--model"), missing.err());
        assertEquals(2, Cli.run("frobnicate").code());
        Result badDevice = Cli.run("map", "--model", dir.toString(), "--out", "x", "--device", "tpu");
        assertEquals(1, badDevice.code());
        assertTrue(badDevice.err().contains("--device must be auto, cpu or gpu"), badDevice.err());
    }

    @Test
    void demoThenMapThenFindToken() {
        Path model = dir.resolve("demo/tiny-llama");
        Path atlas = dir.resolve("demo/atlas");
        Result demo = Cli.run("demo", "--out", model.toString());
        assertEquals(0, demo.code(), demo.err());

        Result inspect = Cli.run("inspect", "--model", model.toString(), "--gflops", "100");
        assertEquals(0, inspect.code(), inspect.err());
        assertTrue(inspect.out().contains("layers=4 d_model=128 d_mlp=512 vocab=4096"), inspect.out());
        assertTrue(inspect.out().contains("6,144 neurons"), inspect.out());

        TestSpark.session();
        Result map = Cli.run("map", "--model", model.toString(), "--out", atlas.toString(), "--master", "local[2]");
        assertEquals(0, map.code(), map.err());
        assertTrue(map.out().contains("shards") && map.out().contains("neurons/s"), map.out());

        Result find = Cli.run("find-token", "--atlas", atlas.toString(), "--master", "local[2]", " dog");
        assertEquals(0, find.code(), find.err());
        String firstRow = find.out().lines().filter(l -> l.startsWith("tiny-llama")).findFirst().orElse("");
        assertTrue(firstRow.contains("up") && firstRow.contains("\" dog\"") && firstRow.contains(" + "),
                find.out());
    }

    @Test
    void mapOfAMissingFolderSaysSo() {
        Result r = Cli.run("map", "--model", dir.resolve("nope").toString(), "--out", dir.resolve("a").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("nope") && r.err().contains("no such directory"), r.err());
    }
}
