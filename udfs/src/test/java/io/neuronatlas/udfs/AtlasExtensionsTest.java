package io.neuronatlas.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The functions as SQL sees them, in a real SparkSession configured only through spark.sql.extensions. */
class AtlasExtensionsTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[1]").appName("udfs-test")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.extensions", AtlasExtensions.class.getName()).getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static Row one(String sql) {
        return spark.sql(sql).collectAsList().get(0);
    }

    @Test
    void everyFunctionIsDescribed() {
        for (AtlasExtensions.Definition f : AtlasExtensions.FUNCTIONS) {
            String text = spark.sql("DESCRIBE FUNCTION EXTENDED " + f.name()).collectAsList().stream()
                    .map(r -> r.getString(0)).collect(Collectors.joining("\n"));
            assertTrue(text.contains("Function: " + f.name()), text);
            assertTrue(text.contains("Usage: " + f.name() + "("), text);
            assertTrue(text.contains("Examples:"), text);
        }
    }

    @Test
    void tokenFunctionsInSql() {
        Row r = one("SELECT token_norm(' COMING'), token_script(' собака'), is_word(' dog'), is_word(' 42'), "
                + "token_norm(NULL), token_script(NULL), is_word(NULL)");
        assertEquals("coming", r.getString(0));
        assertEquals("Cyrillic", r.getString(1));
        assertTrue(r.getBoolean(2));
        assertFalse(r.getBoolean(3));
        assertTrue(r.isNullAt(4));
        assertTrue(r.isNullAt(5));
        assertTrue(r.isNullAt(6));
    }

    @Test
    void groupsVariantsOverRows() {
        // Through whole-stage code generation over a real table, not only constant folding.
        List<Row> rows = spark.sql("SELECT token_norm(t) AS w, count(*) AS n, min(token_script(t)) AS s "
                + "FROM VALUES (' Coming'), ('coming'), (' COMING'), (' dog'), ('\\uFFFD'), (''), "
                + "('\\u0000'), ('狗') AS v(t) GROUP BY token_norm(t) ORDER BY w").collectAsList();
        assertEquals("[[,2,None], [coming,3,Latin], [dog,1,Latin], [狗,1,Han], [\uFFFD,1,None]]",
                rows.toString());
    }

    @Test
    void neuronIdAndItsParsers() {
        Row r = one("SELECT neuron_id('up', 26, 1442), neuron_id_matrix('L26.up.1442'), "
                + "neuron_id_layer('L26.up.1442'), neuron_id_neuron('L26.up.1442'), neuron_id('mlp', 1, 2), "
                + "neuron_id_layer('bad'), neuron_id('up', CAST(3 AS BIGINT), 170), neuron_id('up', NULL, 1)");
        assertEquals("L26.up.1442", r.getString(0));
        assertEquals("up", r.getString(1));
        assertEquals(26, r.getInt(2));
        assertEquals(1442, r.getInt(3));
        assertNull(r.get(4));
        assertNull(r.get(5));
        assertEquals("L3.up.170", r.getString(6));
        assertNull(r.get(7));
    }

    @Test
    void expertNeuronIdsAndTheirParsers() {
        Row r = one("SELECT neuron_id('up', 12, 300, '5'), neuron_id('down', 0, 7, 'shared'), "
                + "neuron_id('gate', 2, 9, NULL), neuron_id('up', 1, 2, 'e5'), neuron_id('up', 1, 2, '05'), "
                + "neuron_id_expert('L12.e5.up.300'), neuron_id_expert('L12.shared.up.300'), "
                + "neuron_id_expert('L26.up.1442'), neuron_id_layer('L12.e5.up.300'), "
                + "neuron_id_matrix('L12.shared.down.3'), neuron_id_neuron('L12.e5.up.300'), "
                + "neuron_id_neuron('L12.e05.up.300'), neuron_id_neuron('L12.x5.up.300'), neuron_id(NULL, 1, 2, '3')");
        assertEquals("L12.e5.up.300", r.getString(0));
        assertEquals("L0.shared.down.7", r.getString(1));
        assertEquals("L2.gate.9", r.getString(2), "a NULL expert is a dense neuron");
        assertNull(r.get(3), "'e5' is an id's spelling, not an expert column value");
        assertNull(r.get(4));
        assertEquals("5", r.getString(5));
        assertEquals("shared", r.getString(6));
        assertNull(r.get(7));
        assertEquals(12, r.getInt(8));
        assertEquals("down", r.getString(9));
        assertEquals(300, r.getInt(10));
        assertNull(r.get(11));
        assertNull(r.get(12));
        assertNull(r.get(13));
        Exception arity = assertThrows(Exception.class, () -> one("SELECT neuron_id('up', 1, 2, '3', 4)"));
        assertTrue(arity.getMessage().contains("takes 3 or 4 arguments"), arity.getMessage());
    }

    @Test
    void expertIdsRoundTripOverGeneratedRows() {
        long mismatches = spark.sql("SELECT * FROM (SELECT m, l, n, e, neuron_id(m, l, n, e) AS id FROM "
                + "(SELECT element_at(array('gate','up','down'), CAST(id % 3 AS INT) + 1) AS m, "
                + "CAST(id % 32 AS INT) AS l, CAST(id AS INT) AS n, "
                + "CASE WHEN id % 7 = 0 THEN NULL WHEN id % 7 = 1 THEN 'shared' ELSE CAST(id % 128 AS STRING) END AS e "
                + "FROM range(1000))) WHERE neuron_id_matrix(id) <> m OR neuron_id_layer(id) <> l "
                + "OR neuron_id_neuron(id) <> n OR NOT (neuron_id_expert(id) <=> e)").count();
        assertEquals(0, mismatches);
    }

    @Test
    void roundTripOverGeneratedRows() {
        long mismatches = spark.sql("SELECT * FROM (SELECT m, l, n, neuron_id(m, l, n) AS id FROM "
                + "(SELECT element_at(array('gate','up','down'), CAST(id % 3 AS INT) + 1) AS m, "
                + "CAST(id % 32 AS INT) AS l, CAST(id AS INT) AS n FROM range(1000))) "
                + "WHERE neuron_id_matrix(id) <> m OR neuron_id_layer(id) <> l OR neuron_id_neuron(id) <> n")
                .count();
        assertEquals(0, mismatches);
    }

    @Test
    void registerAddsTheFunctionsToASessionWithoutTheSetting() {
        SparkSession other = spark.newSession(); // its own copy of the function registry
        for (AtlasExtensions.Definition f : AtlasExtensions.FUNCTIONS) {
            other.sessionState().functionRegistry().dropFunction(
                    org.apache.spark.sql.catalyst.FunctionIdentifier.apply(f.name()));
        }
        assertFalse(other.catalog().functionExists("neuron_id"));
        assertTrue(spark.catalog().functionExists("neuron_id"));
        AtlasExtensions.register(other);
        assertEquals("L3.up.170", other.sql("SELECT neuron_id('up', 3, 170)").collectAsList().get(0).getString(0));
        AtlasExtensions.register(other); // twice is harmless
        assertEquals("dog", other.sql("SELECT token_norm(' Dog')").collectAsList().get(0).getString(0));
    }

    @Test
    void wrongArgumentCountIsNamed() {
        Exception e = assertThrows(Exception.class, () -> spark.sql("SELECT token_norm('a', 'b')").collect());
        assertTrue(String.valueOf(e.getMessage()).contains("token_norm takes 1 argument, got 2"), e.getMessage());
    }
}
