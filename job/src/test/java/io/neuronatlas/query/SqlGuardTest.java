package io.neuronatlas.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.neuronatlas.atlas.DriftTables;
import io.neuronatlas.atlas.ExamplesTables;
import io.neuronatlas.atlas.ForwardTables;
import io.neuronatlas.checkpoint.MlpMatrix;
import io.neuronatlas.checkpoint.synthetic.SyntheticCheckpoint;
import io.neuronatlas.testing.Maps;
import io.neuronatlas.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.parquet.ParquetToSparkSchemaConverter;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * User SQL cannot reach Java or files, whatever the shape of the statement: every expression slot a query has,
 * filled in turn with a reflective call, a table named by a path and a file-reading function, is refused by the
 * check with a message naming what it refused, and refused again by the hardened session alone (no check); and in
 * every case nothing ran: the reflective target ({@link SqlGuardMarker}) was not even loaded and the path's file
 * system ({@link MarkerFileSystem}) was never opened. Positive controls show both markers do see a run.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SqlGuardTest {
    @TempDir
    static Path dir;
    static SparkSession user;
    static Atlas atlas;

    /** The expression payloads, each with the word its refusal must name. */
    enum Payload {
        REFLECT("reflect('io.neuronatlas.query.SqlGuardMarker', 'touch')", "reflect"),
        JAVA_METHOD("system.builtin.java_method('io.neuronatlas.query.SqlGuardMarker', 'touch')", "java_method"),
        TRY_REFLECT("try_reflect('io.neuronatlas.query.SqlGuardMarker', 'touch')", "try_reflect"),
        PATH_TABLE("(SELECT max(value) FROM text.`sqlguard:///etc/hostname`)", "file path"),
        FILE_FUNCTION("from_xml('<a>1</a>', 'a INT', map('rowValidationXSDPath', 'sqlguard:///schema.xsd'))",
                "from_xml");

        final String sql;
        final String named;

        Payload(String sql, String named) {
            this.sql = sql;
            this.named = named;
        }
    }

    /** Slots whose payload Spark's parser refuses itself, with what its message says. */
    static final Map<String, String> PARSER_REFUSES = Map.of("window frame", "Frame bound value must be a literal");

    /** Every place a query holds an expression; %s is the payload. */
    static final Map<String, String> SLOTS = slots();

    private static Map<String, String> slots() {
        Map<String, String> s = new java.util.LinkedHashMap<>();
        s.put("select list", "SELECT %s FROM neurons");
        s.put("where", "SELECT neuron FROM neurons WHERE %s IS NULL");
        s.put("join condition", "SELECT a.neuron FROM neurons a JOIN neurons b ON %s IS NULL");
        s.put("group by", "SELECT count(*) FROM neurons GROUP BY %s");
        s.put("group by rollup", "SELECT count(*) FROM neurons GROUP BY ROLLUP(layer, %s)");
        s.put("having", "SELECT layer FROM neurons GROUP BY layer HAVING max(%s) IS NULL");
        s.put("aggregate filter", "SELECT count(*) FILTER (WHERE %s IS NULL) FROM neurons");
        s.put("order by", "SELECT neuron FROM neurons ORDER BY %s");
        s.put("limit", "SELECT neuron FROM neurons LIMIT length(%s)");
        s.put("window partition", "SELECT count(*) OVER (PARTITION BY %s) FROM neurons");
        s.put("window order", "SELECT rank() OVER (ORDER BY %s) FROM neurons");
        s.put("window frame", "SELECT sum(neuron) OVER (ORDER BY neuron ROWS BETWEEN %s PRECEDING AND CURRENT ROW) "
                + "FROM neurons");
        s.put("named window partition", "SELECT count(*) OVER w FROM neurons WINDOW w AS (PARTITION BY %s)");
        s.put("named window order", "SELECT count(*) OVER w FROM neurons WINDOW w AS (ORDER BY %s)");
        s.put("named window in a CTE", "WITH c AS (SELECT count(*) OVER w AS n FROM neurons WINDOW w AS "
                + "(PARTITION BY %s)) SELECT * FROM c");
        s.put("named window in a subquery", "SELECT * FROM (SELECT count(*) OVER w AS n FROM neurons "
                + "WINDOW w AS (ORDER BY %s))");
        s.put("lateral view", "SELECT x FROM neurons LATERAL VIEW explode(array(%s)) e AS x");
        s.put("lateral view outer", "SELECT x FROM neurons LATERAL VIEW OUTER posexplode(array(%s)) e AS p, x");
        s.put("generator in select", "SELECT inline(array(struct(%s)))");
        s.put("pivot", "SELECT * FROM (SELECT layer, neuron FROM neurons) PIVOT (count(%s) FOR layer IN (0 AS z))");
        s.put("unpivot", "SELECT * FROM (SELECT %s AS a, neuron AS b FROM neurons) UNPIVOT (v FOR k IN (a, b))");
        s.put("CTE", "WITH c AS (SELECT %s AS v) SELECT * FROM c");
        s.put("CTE in a subquery", "SELECT (WITH c AS (SELECT %s AS v) SELECT max(v) FROM c)");
        s.put("scalar subquery", "SELECT (SELECT max(%s) FROM neurons)");
        s.put("subquery in order by", "SELECT neuron FROM neurons ORDER BY (SELECT %s)");
        s.put("exists", "SELECT 1 WHERE EXISTS (SELECT %s)");
        s.put("in subquery", "SELECT neuron FROM neurons WHERE neuron IN (SELECT %s)");
        s.put("lateral subquery", "SELECT * FROM neurons, LATERAL (SELECT %s)");
        s.put("from subquery", "SELECT * FROM (SELECT %s AS v) t");
        s.put("set operation", "SELECT neuron FROM neurons UNION ALL SELECT %s");
        s.put("values", "SELECT * FROM VALUES (%s) AS t(v)");
        s.put("hint", "SELECT /*+ REPARTITION(3, %s) */ neuron FROM neurons");
        s.put("table function argument", "SELECT * FROM explode(array(%s))");
        s.put("range argument", "SELECT * FROM range(length(%s))");
        s.put("lambda", "SELECT transform(array(1), x -> %s)");
        s.put("IDENTIFIER", "SELECT IDENTIFIER(%s) FROM neurons");
        s.put("IDENTIFIER table", "SELECT * FROM IDENTIFIER(%s)");
        s.put("pipe select", "FROM neurons |> SELECT %s");
        s.put("pipe where", "FROM neurons |> WHERE %s IS NULL");
        s.put("second statement", "SELECT 1; SELECT %s");
        return s;
    }

    @BeforeAll
    static void atlas() throws IOException {
        Path model = new SyntheticCheckpoint().layers(1).dModel(32).dMlp(16).vocab(300).seed(5).plantDogAndCalifornia()
                .write(dir.resolve("tiny")).dir();
        Maps.of(model, dir.resolve("atlas")).matrices(MlpMatrix.UP).topK(5).watch("dog").run();
        MarkerFileSystem.install(TestSpark.session().sparkContext().hadoopConfiguration());
        user = ReadOnlySql.session(TestSpark.session());
        atlas = Atlas.open(user, dir.resolve("atlas").toString());
    }

    @BeforeEach
    void clearMarkers() {
        System.clearProperty(SqlGuardMarker.PROPERTY);
        MarkerFileSystem.TOUCHED.clear();
    }

    static Stream<Arguments> slotsTimesPayloads() {
        List<Arguments> cases = new ArrayList<>();
        for (Map.Entry<String, String> slot : SLOTS.entrySet()) {
            for (Payload payload : Payload.values()) {
                cases.add(Arguments.of(slot.getKey(), payload, slot.getValue().formatted(payload.sql)));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} x {1}")
    @MethodSource("slotsTimesPayloads")
    void everySlotRefusesEveryPayloadAndRunsNothing(String slot, Payload payload, String sql) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> atlas.sql(sql), sql);
        String message = refused.getMessage();
        if (PARSER_REFUSES.containsKey(slot)) {
            assertTrue(message.contains(PARSER_REFUSES.get(slot)), sql + ": " + message);
        } else {
            assertTrue(refused instanceof ReadOnlySql.RefusedException, sql + ": " + message);
            assertTrue(message.startsWith("refused: "), message);
            String named = slot.startsWith("IDENTIFIER") ? "IDENTIFIER"
                    : slot.equals("second statement") ? "after ';'" : payload.named;
            assertTrue(message.contains(named), sql + ": the refusal does not name " + named + ": " + message);
        }
        // The engine alone, without the check: the session's own functions and settings refuse it too.
        assertThrows(Exception.class, () -> user.sql(sql).collectAsList(), sql);
        assertNull(System.getProperty(SqlGuardMarker.PROPERTY), sql + " ran Java");
        assertEquals(List.of(), MarkerFileSystem.TOUCHED, sql + " reached the file system");
    }

    @Test
    void theIssuesStatementsAreRefusedWithoutRunning() {
        for (String sql : List.of(
                "SELECT count(*) OVER w FROM neurons WINDOW w AS (PARTITION BY java_method('java.lang.System', "
                        + "'exit', 3))",
                "SELECT count(*) OVER w FROM neurons WINDOW w AS (ORDER BY (SELECT max(value) FROM "
                        + "text.`/etc/hostname`))")) {
            ReadOnlySql.RefusedException e = assertThrows(ReadOnlySql.RefusedException.class, () -> atlas.sql(sql));
            assertTrue(e.getMessage().contains("java_method") || e.getMessage().contains("file path"),
                    e.getMessage());
        }
        // Still here: System.exit(3) would have ended this JVM.
        assertEquals(16L, atlas.sql("SELECT count(*) OVER w AS n FROM neurons WINDOW w AS (PARTITION BY layer)")
                .first().getLong(0));
    }

    @Test
    void theHardenedSessionReadsNoPathAndLeavesItsParentAsItWas() {
        assertEquals("false", user.conf().get("spark.sql.runSQLOnFiles"));
        assertTrue(ReadOnlySql.hardened(user));
        assertFalse(ReadOnlySql.hardened(TestSpark.session()));
        assertEquals("true", TestSpark.session().conf().get("spark.sql.runSQLOnFiles", "true"));
        Exception e = assertThrows(Exception.class, () -> user.sql("SELECT * FROM text.`" + dir + "`").collect());
        assertTrue(e.getMessage().contains("TABLE_OR_VIEW_NOT_FOUND"), e.getMessage());
        // The parent keeps Spark's reflect; the user's session's refuses by name.
        assertEquals(1, TestSpark.session().sql("SELECT reflect('java.lang.Math', 'abs', -1)").count());
        Exception refused = assertThrows(Exception.class, () -> user.sql("SELECT reflect('java.lang.Math', 'abs', "
                + "-1)").collect());
        assertTrue(refused.getMessage().contains("refused: the function reflect"), refused.getMessage());
    }

    /**
     * The markers see a run: without the guard, the same payloads load the class and open the file system. Last, so
     * that until then a payload that merely loaded the marker class would have shown too.
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void theMarkersSeeWhatRuns() {
        TestSpark.session().sql("SELECT " + Payload.REFLECT.sql).collect();
        assertEquals("touch() called", System.getProperty(SqlGuardMarker.PROPERTY));
        try {
            TestSpark.session().sql("SELECT * FROM text.`sqlguard:///etc/hostname`").collect();
        } catch (RuntimeException e) {
            // no such file: what counts is that the file system was asked
        }
        assertFalse(MarkerFileSystem.TOUCHED.isEmpty());
    }

    @Test
    void unknownOperatorsAndExpressionsAreRefusedByClassName() {
        // A read Spark allows and this guard has not judged: the expression class is named in the refusal.
        ReadOnlySql.RefusedException e = assertThrows(ReadOnlySql.RefusedException.class,
                () -> atlas.sql("SELECT * FROM sql_keywords()"));
        assertTrue(e.getMessage().contains("table function sql_keywords"), e.getMessage());
        assertFalse(ReadOnlySql.allowedExpressions(user).stream().anyMatch(c -> c.getSimpleName().matches(
                "CallMethodViaReflection|TryReflect|XPath.*|XmlToStructs|FromProtobuf|FromAvro")),
                "a refused function's class is allowed");
        assertTrue(ReadOnlySql.allowedExpressions(user).stream().anyMatch(c -> c.getSimpleName().equals("Upper")));
    }

    /** Every canned query of the product passes the check, with its parameters as literals. */
    @Test
    void everyCannedQueryPasses() throws IOException {
        StructType examples = schema(ExamplesTables.NEURON_EXAMPLES_FILE);
        StructType activations = schema(ExamplesTables.NEURON_ACTIVATIONS_FILE);
        user.createDataFrame(List.<Row>of(), examples).createOrReplaceTempView(ExamplesTables.NEURON_EXAMPLES);
        user.createDataFrame(List.<Row>of(), activations).createOrReplaceTempView(ExamplesTables.NEURON_ACTIVATIONS);
        user.createDataFrame(List.<Row>of(), new ParquetToSparkSchemaConverter(user.sessionState().conf())
                .convert(ForwardTables.NEURON_VALIDATION_FILE).add("checkpoint", DataTypes.StringType)
                .add("run", DataTypes.StringType)).createOrReplaceTempView(ForwardTables.NEURON_VALIDATION);
        user.createDataFrame(List.<Row>of(), new ParquetToSparkSchemaConverter(user.sessionState().conf())
                .convert(DriftTables.NEURON_DRIFT_FILE).add("checkpoint", DataTypes.StringType)
                .add("run", DataTypes.StringType).add("matrix", DataTypes.StringType)
                .add("layer", DataTypes.IntegerType)).createOrReplaceTempView(DriftTables.NEURON_DRIFT);
        user.table("neuron_tokens").createOrReplaceTempView(Atlas.TOKEN_MATCHES);
        user.table("neuron_tokens").createOrReplaceTempView(Atlas.TOP_NEURON_TOKENS);
        user.sql(CannedQuery.sql("top-neurons"), Map.<String, Object>of("matrix", "up", "layer", 0, "limit", 10))
                .createOrReplaceTempView(Atlas.TOP_NEURONS);
        Map<String, String> values = Map.ofEntries(Map.entry("token", "'dog'"), Map.entry("limit", "10"),
                Map.entry("bins", "10"), Map.entry("threshold", "0.5"), Map.entry("a", "'tiny'"),
                Map.entry("b", "'tiny'"), Map.entry("matrix", "'up'"), Map.entry("layer", "0"),
                Map.entry("tokens", "5"), Map.entry("neuron", "3"), Map.entry("expert", "''"),
                Map.entry("examples", "3"), Map.entry("checkpoint", "'tiny'"), Map.entry("class", "'prediction'"),
                Map.entry("base", "'tiny'"), Map.entry("rows", "10"));
        Path folder = Path.of("src/main/resources/io/neuronatlas/query/sql");
        List<Path> files;
        try (Stream<Path> all = Files.list(folder)) {
            files = all.filter(p -> p.toString().endsWith(".sql")).sorted().toList();
        }
        assertTrue(files.size() >= 11, files.toString());
        for (Path file : files) {
            Matcher parameter = Pattern.compile(":([a-z_]+)\\b").matcher(Files.readString(file));
            String sql = parameter.replaceAll(m -> Matcher.quoteReplacement(values.get(m.group(1))));
            ReadOnlySql.check(user, sql); // parsed and analyzed: every view, column and function resolves
        }
        assertNull(System.getProperty(SqlGuardMarker.PROPERTY));
    }

    private static StructType schema(MessageType file) {
        StructType columns = new ParquetToSparkSchemaConverter(user.sessionState().conf()).convert(file);
        // The partition columns of an examples table's folders.
        return columns.add("checkpoint", DataTypes.StringType).add("run", DataTypes.StringType)
                .add("layer", DataTypes.IntegerType);
    }
}
