package io.neuronatlas.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Set;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;
import org.junit.jupiter.api.Test;

/**
 * The views a canned query reads, found in its parsed plan, so that an atlas opened for queries registers only those
 * (issue 23): tables in FROM and JOIN, in WITH definitions, and in subquery expressions, however deeply nested.
 */
class RelationNamesTest {
    private static Set<String> names(String sql) throws Exception {
        return ReadOnlySql.relationNames(CatalystSqlParser$.MODULE$.parsePlan(sql));
    }

    @Test
    void everyTableAQueryReadsIsFound() throws Exception {
        assertEquals(Set.of("neuron_tokens"), names("SELECT * FROM neuron_tokens WHERE token_id = :id"));
        assertEquals(Set.of("neurons", "neuron_tokens", "top"), names("""
                WITH top AS (SELECT * FROM neurons WHERE layer = :layer)
                SELECT t.* FROM neuron_tokens t LEFT SEMI JOIN top r ON t.neuron = r.neuron"""));
        assertEquals(Set.of("tokens", "neurons", "neuron_examples"), names("""
                SELECT * FROM tokens WHERE token_id IN (SELECT top_token FROM neurons
                  WHERE EXISTS (SELECT 1 FROM neuron_examples e WHERE e.neuron = neurons.neuron))"""));
    }

    @Test
    void everyCannedQueryNamesOnlyViewsAndItsOwnCtes() throws Exception {
        for (String file : new String[] {"find-token", "top-neurons", "top-neurons-tokens", "neuron-tokens",
                "token-variants", "alignment", "compare"}) {
            Set<String> found = names(CannedQuery.sql(file));
            assertFalse(found.isEmpty(), file + " reads a view");
        }
        assertEquals(Set.of("top_neuron_tokens", "top_neurons", "top_tokens"),
                names(CannedQuery.sql("top-neurons-tokens")));
        assertEquals(Set.of("tokens"), names(CannedQuery.sql("token-variants")));
    }
}
