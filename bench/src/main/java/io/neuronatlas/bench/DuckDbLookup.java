package io.neuronatlas.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * find-token as DuckDB answers it over the atlas's own Parquet files: the peer a user would reach for. The token's
 * variants come from the tokens table's norm column (token_norm, stored), then the rows of those ids from token_neurons
 * (the files find-token reads; DuckDB skips the other blocks' files by their footers' token_id ranges), most specific
 * first. Its main is the fresh-process run bench-query times: a plain JVM with the DuckDB driver only.
 */
final class DuckDbLookup {
    private DuckDbLookup() {
    }

    /** java ... DuckDbLookup ATLAS NORM LIMIT: prints the rows, tab-separated. */
    public static void main(String[] args) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:duckdb:")) {
            System.out.println(findToken(connection, args[0], args[1], Integer.parseInt(args[2])));
        }
    }

    /** The rows of find-token for the word whose token_norm is norm, as text; their count is the line count. */
    static String findToken(Connection connection, String atlas, String norm, int limit) throws SQLException {
        String sql = "WITH variants AS (SELECT checkpoint, token_id FROM read_parquet('" + glob(atlas, "tokens")
                + "', hive_partitioning = true, hive_types_autocast = false) WHERE norm = ?) "
                + "SELECT t.checkpoint, t.matrix, t.layer, t.neuron, t.polarity, t.rank, t.token_id, t.token, "
                + "t.score, t.prob, t.normalized_prob "
                + "FROM read_parquet('" + glob(atlas, "token_neurons") + "', hive_partitioning = true, "
                + "hive_types_autocast = false) t JOIN variants v ON t.checkpoint = v.checkpoint "
                + "AND t.token_id = v.token_id "
                + "ORDER BY t.normalized_prob DESC, t.checkpoint, t.matrix, t.layer, t.neuron, t.polarity LIMIT ?";
        StringBuilder out = new StringBuilder();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, norm);
            statement.setInt(2, limit);
            try (ResultSet rows = statement.executeQuery()) {
                int columns = rows.getMetaData().getColumnCount();
                while (rows.next()) {
                    for (int i = 1; i <= columns; i++) {
                        out.append(i == 1 ? "" : "\t").append(rows.getString(i));
                    }
                    out.append('\n');
                }
            }
        }
        return out.toString();
    }

    private static String glob(String atlas, String table) {
        return (atlas + "/" + table + "/**/*.parquet").replace("'", "''");
    }
}
