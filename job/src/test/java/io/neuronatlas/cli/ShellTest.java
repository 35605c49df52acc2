package io.neuronatlas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.synthetic.PlantedNeuron;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.testing.Cli;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkContext;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shell driven as a user drives it: a script through standard input (every command, SQL, errors that do not
 * end the session, the guard's refusals as the sql command prints them), a query cancelled from another thread the
 * way Ctrl-C cancels it, and a terminal session through JLine (multi-line SQL, history kept, completion).
 */
class ShellTest {
    @TempDir
    static Path dir;
    static String atlas;
    static PlantedNeuron dog;

    @BeforeAll
    static void mapTwoCheckpoints() throws Exception {
        SyntheticCheckpoint.Written model = new SyntheticCheckpoint().layers(2).dModel(64).dMlp(96).vocab(600)
                .seed(5).plantDogAndCalifornia().write(dir.resolve("tiny"));
        dog = model.planted().get(0);
        atlas = dir.resolve("atlas").toString();
        Maps.of(model.dir(), dir.resolve("atlas")).checkpoint("base").watch(" dog").run();
        Maps.of(model.dir(), dir.resolve("atlas")).checkpoint("again").topK(5).run();
    }

    record Session(int code, String out, String err) {
    }

    /** The shell command with this script as its standard input (not a terminal). */
    static Session script(String text) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new ShellCommand(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), false)
                .run(new String[] {"--atlas", atlas}, new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Session(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aScriptRunsEveryCommandAndSqlAndGoesOnAfterErrors() throws Exception {
        String id = "L" + dog.layer() + ".up." + dog.neuron();
        Session s = script(String.join("\n",
                "-- every canned command, then SQL over two lines",
                "find-token \" dog\" --limit 2",
                "top-neurons --matrix up --layer " + dog.layer() + " --limit 1 --format csv",
                "profile \" dog\" --limit 1",
                "alignment --format csv",
                "compare base again --limit 1",
                "neuron " + id + " --tokens 2",
                "SELECT neuron_id(matrix, layer, neuron) AS id FROM neuron_tokens",
                "  WHERE checkpoint = 'base' AND token = ' dog' AND rank = 1 ORDER BY normalized_prob DESC LIMIT 1;",
                "SELECT nope FROM neurons;",
                "neuron L1.up.99999",
                "INSERT INTO neurons SELECT * FROM neurons;",
                "SELECT java_method('java.lang.System', 'exit', 1) AS x;",
                "SELECT concat('a', chr(27), '[2J') AS esc;",
                "\\timing off",
                "SELECT 'still here' AS after"));
        assertEquals(1, s.code(), "a failed statement makes the exit code 1: " + s.err());
        String out = s.out();
        // find-token's header and its best row: the planted neuron of the first checkpoint by name
        assertTrue(out.contains("Neurons for token \" dog\" in " + atlas + ":"), out);
        assertTrue(out.matches("(?s).*\\n(again|base) +up +" + dog.layer() + " +" + dog.neuron() + " +\\+ +1 .*"),
                out);
        assertTrue(out.contains(id + "," + dog.neuron() + ","), "top-neurons as CSV: " + out);
        assertTrue(out.contains("Profile of \" dog\""), out);
        assertTrue(out.contains("checkpoint,matrix,layer,neurons"), "alignment as CSV: " + out);
        assertTrue(out.contains("base vs again: neurons whose '+' top token is the same"), out);
        assertTrue(out.contains("Neuron " + id + " in " + atlas + ": top tokens"), out);
        assertTrue(out.matches("(?s).*\\nbase +\\+ +1 +\\d+ +\" dog\" .*"), "the neuron's first '+' token: " + out);
        assertTrue(out.matches("(?s).*\\nbase +- +2 .*"), "and its second '-' token: " + out);
        assertTrue(out.contains("\nstatistics\n"), out);
        assertTrue(out.matches("(?s).*\\n" + id.replace(".", "\\.") + " *\\n.*"), "SQL's result: " + out);
        assertTrue(out.contains("a\\x1b[2J"), "a control character is shown escaped: " + out);
        assertFalse(out.contains("\u001b"), "no raw escape reaches the terminal");
        assertTrue(out.contains("still here"), "the shell went on after the errors: " + out);
        assertTrue(out.contains("Timing is off."), out);
        assertEquals(12, out.split("Time: \\d+\\.\\d{3} s\\n", -1).length - 1, "one time per statement till "
                + "\\timing off: " + out);

        String[] errors = s.err().strip().split("\n");
        assertEquals(4, errors.length, s.err());
        assertTrue(errors[0].startsWith("error: [UNRESOLVED_COLUMN"), errors[0]);
        assertTrue(errors[1].startsWith("error: neuron L1.up.99999 is not in " + atlas), errors[1]);
        // The guard's refusals, word for word as the sql command prints them.
        List<String> refused = List.of("INSERT INTO neurons SELECT * FROM neurons",
                "SELECT java_method('java.lang.System', 'exit', 1) AS x");
        for (int i = 0; i < refused.size(); i++) {
            Cli.Result sql = Cli.run("sql", "--atlas", atlas, refused.get(i));
            assertEquals(1, sql.code());
            assertEquals("error: " + sql.err().strip().replaceFirst("^neuron-atlas sql: ", ""), errors[2 + i]);
            assertTrue(errors[2 + i].contains("refused"), errors[2 + i]);
        }
    }

    @Test
    void ctrlCCancelsTheRunningQueryNotTheShell() throws Exception {
        Atlas opened = Atlas.open(TestSpark.session(), atlas);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Shell shell = new Shell(opened, atlas, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String script = "SELECT sum(id % 7) AS s FROM range(0, 1000000000000);\nSELECT 'after' AS next;\n";
        AtomicInteger code = new AtomicInteger(-1);
        Thread session = new Thread(() -> {
            try {
                code.set(shell.runScript(new BufferedReader(new StringReader(script))));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        session.start();
        SparkContext context = TestSpark.session().sparkContext();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (context.statusTracker().getActiveJobIds().length == 0
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        long t0 = System.nanoTime();
        assertTrue(shell.cancel(), "a statement was running"); // what Ctrl-C calls, on a terminal or piped
        session.join(60_000);
        assertFalse(session.isAlive(), "the cancelled query ended");
        assertTrue((System.nanoTime() - t0) / 1e9 < 30, "cancelled promptly");
        assertEquals("cancelled", err.toString(StandardCharsets.UTF_8).strip());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("after"), "the next statement ran: " + out);
        assertEquals(1, code.get());
        // Between statements there is nothing to cancel: piped, Ctrl-C then ends the script (ShellCommand).
        assertFalse(shell.cancel());
    }

    @Test
    void aTerminalSessionKeepsHistoryContinuesSqlOverLinesAndCompletes() throws Exception {
        Path history = dir.resolve("history");
        Atlas opened = Atlas.open(TestSpark.session(), atlas);
        String first = terminal(opened, history, "SELECT 2\n  AS two;\nfind-token \" dog\" --limit 1\n");
        assertTrue(first.contains("atlas> "), first);
        assertTrue(first.contains("two") && first.matches("(?s).*\\n2 *\\n.*"), "multi-line SQL ran: " + first);
        assertTrue(first.contains("Neurons for token \" dog\""), first);
        terminal(opened, history, "tables\n");
        String kept = Files.readString(history);
        assertTrue(kept.contains("SELECT 2") && kept.contains("AS two;"), kept);
        assertTrue(kept.contains("find-token \" dog\" --limit 1"), kept);
        assertTrue(kept.contains("tables"), "the second session appended to the first's history: " + kept);

        ShellCompleter completer = new ShellCompleter(opened);
        assertEquals(List.of("find-token"), completer.candidates(List.of(), "fi"));
        assertTrue(completer.candidates(List.of(), "se").contains("SELECT"));
        List<String> names = completer.candidates(List.of("SELECT", "*", "FROM"), "neu");
        assertTrue(names.containsAll(List.of("neuron", "neuron_tokens", "neurons")), names.toString());
        assertTrue(completer.candidates(List.of("compare"), "").containsAll(List.of("again", "base", "--limit")));
        assertEquals(List.of("gate", "up", "down"), completer.candidates(List.of("top-neurons", "--matrix"), ""));
    }

    @Test
    void theWarmUpRunsEveryCannedQueryAndStopsBeforeAStatement() throws Exception {
        Atlas opened = Atlas.open(TestSpark.session(), atlas);
        ShellWarmUp whole = ShellWarmUp.start(opened, atlas);
        whole.awaitEnd();
        assertEquals(List.of("find-token \" the\"", "top-neurons --matrix gate --layer 0", "neuron L0.gate.0",
                "alignment", "top-neurons --matrix down --layer 0", "neuron L0.down.1"), whole.statements());
        assertEquals(6, whole.succeeded(), "every warm-up statement answered");
        assertEquals(List.of("find-token \" the\"", "alignment"), ShellWarmUp.statements(List.of()),
                "no checkpoint entry to take a matrix from: the lookups that need none");

        // A statement right after the start: the warm-up is stopped first, and the answer is the same as without.
        String statement = "find-token \" dog\" --limit 3 --format csv";
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        Shell cold = new Shell(opened, atlas, new PrintStream(plain, true, StandardCharsets.UTF_8), System.err);
        assertTrue(cold.execute("\\timing off"));
        assertTrue(cold.execute(statement));
        ByteArrayOutputStream warmed = new ByteArrayOutputStream();
        Shell shell = new Shell(opened, atlas, new PrintStream(warmed, true, StandardCharsets.UTF_8), System.err);
        assertTrue(shell.execute("\\timing off"));
        ShellWarmUp early = shell.startWarmUp();
        assertTrue(shell.execute(statement));
        assertFalse(early.running(), "the statement ran once the warm-up had ended");
        assertEquals(5, plain.toString(StandardCharsets.UTF_8).strip().split("\n").length,
                "'Timing is off.', the CSV header and 3 rows: " + plain);
        assertEquals(plain.toString(StandardCharsets.UTF_8), warmed.toString(StandardCharsets.UTF_8));
    }

    /** One session on a dumb terminal fed with input, as JLine reads a person's typing; what it printed. */
    private static String terminal(Atlas opened, Path history, String input) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        try (Terminal t = new DumbTerminal(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out)) {
            assertEquals(0, ShellCommand.interactive(new Shell(opened, atlas, print, print), t, opened, history));
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void statementsEndAtTheLineForCommandsAndAtASemicolonForSql() {
        assertTrue(ShellInput.complete("find-token \" dog\""));
        assertTrue(ShellInput.complete("-- a comment\n"));
        assertFalse(ShellInput.complete("SELECT 1"));
        assertFalse(ShellInput.complete("SELECT ';' AS semicolon -- ;\nFROM x"));
        assertTrue(ShellInput.complete("SELECT 1; -- done"));
        assertEquals(List.of("SELECT 'a;b' AS x", "SELECT 2"),
                ShellInput.statements("SELECT 'a;b' AS x;\nSELECT 2;").stream().map(String::strip).toList());
        assertEquals(List.of("find-token \" dog\" --limit 3"), ShellInput.statements("find-token \" dog\" --limit 3;"));
        assertEquals(List.of("find-token", " dog", "it's", "a\"b"),
                Shell.words("find-token \" dog\" \"it's\" 'a\"b'"));
    }
}
