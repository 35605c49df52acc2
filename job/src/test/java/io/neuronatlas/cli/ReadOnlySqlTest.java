package io.neuronatlas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.query.ReadOnlySql;
import io.neuronatlas.testing.Cli;
import io.neuronatlas.testing.Controls;
import io.neuronatlas.testing.Cli.Result;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The query commands are read-only: {@code sql} runs one query over the atlas's views, and every statement that
 * would write, run a command, read a file by its path or call Java is refused before it runs, leaving every file of
 * the atlas as it was and nothing created anywhere else.
 */
class ReadOnlySqlTest {
    @TempDir
    static Path dir;
    static String atlas;

    @BeforeAll
    static void map() throws IOException {
        Path model = new SyntheticCheckpoint().layers(1).dModel(32).dMlp(16).vocab(300).seed(5).plantDogAndCalifornia()
                .write(dir.resolve("tiny")).dir();
        atlas = dir.resolve("atlas").toString();
        Maps.of(model, dir.resolve("atlas")).matrices(MlpMatrix.UP).topK(5).run();
    }

    /** Every file of the atlas with its size. */
    private static Map<String, Long> files() throws IOException {
        Map<String, Long> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(Path.of(atlas))) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                files.put(Path.of(atlas).relativize(p).toString(), Files.size(p));
            }
        }
        return files;
    }

    @Test
    void writesCommandsFilePathsAndReflectionAreRefusedAndTouchNothing() throws IOException {
        Path elsewhere = dir.resolve("elsewhere");
        Path warehouse = Path.of("spark-warehouse").toAbsolutePath();
        boolean warehouseBefore = Files.exists(warehouse);
        Map<String, Long> before = files();
        List<String> statements = List.of(
                "INSERT INTO neurons SELECT * FROM neurons LIMIT 1",
                "INSERT OVERWRITE TABLE tokens SELECT * FROM tokens WHERE token_id < 0",
                "INSERT OVERWRITE DIRECTORY '" + elsewhere + "' USING parquet SELECT * FROM neurons",
                "CREATE TABLE t USING parquet LOCATION '" + elsewhere + "' AS SELECT * FROM neurons",
                "CREATE TEMPORARY VIEW v AS SELECT * FROM text.`/etc/hostname`",
                "SELECT * FROM text.`/etc/hostname`",
                "SELECT * FROM parquet.`" + atlas + "/neurons`",
                "SELECT value FROM json.`" + atlas + "/checkpoints` UNION ALL SELECT 'x'",
                "SELECT (SELECT max(value) FROM text.`/etc/hostname`) AS sneaky",
                "SELECT reflect('java.lang.System', 'getProperty', 'user.home')",
                "SELECT neuron FROM neurons WHERE EXISTS (SELECT java_method('java.lang.System', 'exit', 3))",
                "WITH x AS (SELECT try_reflect('java.lang.Runtime', 'getRuntime')) SELECT * FROM x",
                "SELECT system.builtin.reflect('java.lang.System', 'getenv', 'HOME')",
                "SELECT * FROM read_files('" + atlas + "')",
                "SELECT * FROM IDENTIFIER('text.`/etc/hostname`')",
                "SELECT TRANSFORM(neuron) USING 'touch " + elsewhere + "' FROM neurons",
                "SET spark.sql.ansi.enabled = false",
                "ADD JAR " + elsewhere + ".jar",
                "CACHE TABLE neurons",
                "EXPLAIN SELECT * FROM neurons",
                "DROP VIEW neurons");
        // Through the command as a user types it, then the rest through the same Atlas.sql the command calls.
        for (String sql : statements.subList(0, 3)) {
            Result r = Cli.run("sql", "--atlas", atlas, sql);
            assertEquals(1, r.code(), sql + "\n" + r.out() + r.err());
            assertTrue(r.err().startsWith("neuron-atlas sql: refused:") && r.err().contains("read-only"),
                    sql + "\n" + r.err());
            assertEquals(1, r.err().strip().split("\n").length, "one line: " + r.err());
        }
        Atlas opened = Atlas.open(ReadOnlySql.session(TestSpark.session()), atlas);
        for (String sql : statements) {
            assertThrows(ReadOnlySql.RefusedException.class, () -> opened.sql(sql), sql);
        }
        assertEquals(before, files(), "a refused statement changed the atlas");
        assertFalse(Files.exists(elsewhere), "a refused statement wrote " + elsewhere);
        assertEquals(warehouseBefore, Files.exists(warehouse), "spark-warehouse created in " + warehouse.getParent());
        Result still = Cli.run("sql", "--atlas", atlas, "--format", "csv", "SELECT count(*) AS n FROM neurons");
        assertEquals("n\n16\n", still.out(), still.err());
    }

    @Test
    void queriesOfEveryShapeStillRun() throws IOException {
        List<String> queries = List.of(
                "WITH top AS (SELECT * FROM neuron_tokens WHERE rank = 1) SELECT count(*) FROM top",
                "SELECT neuron, rank() OVER (PARTITION BY layer ORDER BY max_abs_score DESC) r FROM neurons",
                "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS t(n, s)",
                "SELECT id FROM range(3)",
                "SELECT x FROM neurons LATERAL VIEW explode(array(1, 2)) e AS x",
                "SELECT * FROM neurons n JOIN tokens t ON n.top_token_id = t.token_id AND n.checkpoint = t.checkpoint",
                "SELECT layer, count(*) FROM neurons GROUP BY layer HAVING count(*) > 1",
                "SELECT neuron FROM neurons WHERE neuron IN (SELECT neuron FROM neuron_tokens WHERE rank = 1)",
                "TABLE checkpoints",
                "FROM neurons |> WHERE layer = 0 |> SELECT neuron |> LIMIT 2",
                "SELECT neuron_id(matrix, layer, neuron), token_norm(top_token) FROM neurons LIMIT 1",
                "SELECT count(*) OVER w FROM neurons WINDOW w AS (PARTITION BY layer ORDER BY neuron)",
                "SELECT sum(neuron) OVER (ORDER BY neuron ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM neurons",
                "SELECT * FROM (SELECT layer, neuron FROM neurons) PIVOT (count(neuron) FOR layer IN (0 AS zero))",
                "SELECT * FROM (SELECT neuron AS a, layer AS b FROM neurons) UNPIVOT (v FOR k IN (a, b))",
                "SELECT /*+ REPARTITION(2) */ layer, count(*) FROM neurons GROUP BY ROLLUP(layer)",
                "SELECT n.neuron, x.one FROM neurons n, LATERAL (SELECT n.neuron + 1 AS one) x",
                "SELECT * FROM explode(array(1, 2))",
                "SELECT transform(array(1, 2), x -> x + 1), upper(top_token), CASE WHEN layer = 0 THEN 'a' END, "
                        + "if(neuron > 1, 1, 0), from_json('{\"a\": 1}', 'a INT').a, coalesce(expert, 'dense'), "
                        + "percentile_approx(max_abs_score, 0.5) OVER () FROM neurons",
                "SELECT count(*) FILTER (WHERE neuron > 1), max_by(neuron, max_abs_score) FROM neurons",
                "SELECT neuron FROM neurons INTERSECT SELECT neuron FROM neurons EXCEPT SELECT -1",
                "SELECT DISTINCT layer FROM neurons ORDER BY layer LIMIT 1 OFFSET 0",
                "SELECT (SELECT max(neuron) FROM neurons) AS top, EXISTS (SELECT 1) AS e",
                "SELECT * FROM neurons TABLESAMPLE (100 PERCENT)",
                // The notebooks' shapes.
                "SELECT matrix, layer, percentile_approx(max_abs_score, array(0.5, 0.9), 10000) AS q FROM neurons "
                        + "GROUP BY matrix, layer ORDER BY matrix, layer",
                "SELECT concat('L', layer, '.', neuron) AS n, CAST(layer AS INT) FROM neurons WHERE expert <=> NULL");
        Atlas opened = Atlas.open(ReadOnlySql.session(TestSpark.session()), atlas);
        List<String> failed = new java.util.ArrayList<>();
        for (String sql : queries) {
            try {
                if (opened.sql(sql).collectAsList().isEmpty()) {
                    failed.add(sql + ": no rows");
                }
            } catch (RuntimeException e) {
                failed.add(sql + ": " + e.getMessage());
            }
        }
        assertEquals(List.of(), failed);
    }

    @Test
    void aQueryFileIsReadWithinABound() throws IOException {
        Result zero = Cli.run("sql", "--atlas", atlas, "-f", "/dev/zero");
        assertEquals(1, zero.code(), zero.err());
        assertTrue(zero.err().contains("/dev/zero: goes on past 1 MiB"), zero.err());
        Path query = dir.resolve("q.sql");
        Files.writeString(query, "SELECT count(*) AS n FROM neurons;\n");
        Result file = Cli.run("sql", "--atlas", atlas, "--format", "csv", "-f", query.toString());
        assertEquals("n\n16\n", file.out(), file.err());
    }

    @Test
    void tablesShowControlCharactersAsEscapesWhileCsvAndJsonKeepThem() {
        // ESC [2J clears the screen, BEL rings, CR and BS overwrite, NUL, U+202E reverses, 0x9B is CSI in C1.
        String sql = "SELECT concat(char(27), '[2J', char(7), char(13), char(8), char(0), '\u202e', char(155), 'x') "
                + "AS `col\u001b]0;title\u0007` FROM neurons LIMIT 1";
        Result table = Cli.run("sql", "--atlas", atlas, sql);
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("\\x1b[2J\\x07\\r\\x08\\x00\\u202e\\x9bx"), table.out());
        assertTrue(table.out().contains("col\\x1b]0;title\\x07"), table.out());
        assertTrue(!Controls.anyBesidesLineBreaks(table.out()),
                table.out());

        Result csv = Cli.run("sql", "--atlas", atlas, "--format", "csv", sql);
        assertTrue(csv.out().contains("\u001b[2J\u0007\r\b\u0000\u202e\u009bx"), "CSV stays exact: " + csv.out());
        Result json = Cli.run("sql", "--atlas", atlas, "--format", "json", sql);
        assertTrue(json.out().contains("\\u001B[2J\\u0007\\r\\b\\u0000\u202e\u009bx"), "JSON escapes per RFC 8259: "
                + json.out());

        Result error = Cli.run("sql", "--atlas", dir.resolve("no\u001b[2Jatlas\u202e").toString(), "SELECT 1");
        assertEquals(1, error.code());
        assertTrue(error.err().contains("no\\x1b[2Jatlas\\u202e"), error.err());
        assertTrue(!Controls.anyBesidesLineBreaks(error.err()),
                error.err());
    }
}
