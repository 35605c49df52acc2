package io.neuronatlas.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.cli.Command;
import io.neuronatlas.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmarks' command line: every command is listed and has its own help. */
class BenchMainTest {

    @Test
    void everyCommandHasItsOwnHelp() {
        assertEquals(List.of("bench", "bench-query", "bench-cluster", "bench-clamp", "bench-report", "bench-examples",
                "examples-demo", "local-cluster"),
                BenchMain.COMMANDS.stream().map(Command::name).toList());
        for (Command c : BenchMain.COMMANDS) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = Main.run("neuron-atlas-bench", BenchMain.COMMANDS, new String[] {c.name(), "--help"},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
                            StandardCharsets.UTF_8));
            String text = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, code, c.name() + ": " + err.toString(StandardCharsets.UTF_8));
            assertTrue(text.contains(c.name()) && text.contains("Usage:"), text);
        }
    }
}
