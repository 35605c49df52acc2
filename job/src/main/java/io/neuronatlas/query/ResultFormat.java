package io.neuronatlas.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** How a query command prints its result: an aligned text table, CSV (RFC 4180) or JSON lines. */
public enum ResultFormat {
    TABLE, CSV, JSON;

    public static ResultFormat parse(String text) {
        for (ResultFormat f : values()) {
            if (f.name().equalsIgnoreCase(text)) {
                return f;
            }
        }
        throw new IllegalArgumentException("--format must be table, csv or json, found '" + text + "'");
    }

    /** Prints up to limit rows (every row for CSV and JSON when limit is negative). */
    public void print(Dataset<Row> rows, int limit, PrintStream out) {
        Dataset<Row> shown = limit < 0 ? rows : rows.limit(limit);
        switch (this) {
            case TABLE -> out.print(TextTable.render(rows, limit < 0 ? Integer.MAX_VALUE : limit));
            case JSON -> {
                for (Iterator<String> it = shown.toJSON().toLocalIterator(); it.hasNext(); ) {
                    out.println(it.next());
                }
            }
            case CSV -> {
                String[] columns = rows.columns();
                out.println(String.join(",", Arrays.stream(columns).map(ResultFormat::csv).toList()));
                for (Iterator<Row> it = shown.toLocalIterator(); it.hasNext(); ) {
                    Row row = it.next();
                    StringBuilder line = new StringBuilder();
                    for (int i = 0; i < columns.length; i++) {
                        line.append(i == 0 ? "" : ",").append(row.isNullAt(i) ? "" : csv(value(row.get(i))));
                    }
                    out.println(line);
                }
            }
            default -> throw new IllegalStateException(name());
        }
    }

    /**
     * Prints rows computed in memory (generations, find-token's lookup without Spark) as {@link #print(Dataset, int,
     * PrintStream)} prints a query's: JSON lines leave out null fields, as Spark's toJSON does.
     */
    public void print(String[] columns, List<Object[]> rows, PrintStream out) {
        switch (this) {
            case TABLE -> out.print(TextTable.render(columns, rows));
            case JSON -> {
                ObjectMapper json = new ObjectMapper();
                for (Object[] row : rows) {
                    Map<String, Object> line = new LinkedHashMap<>();
                    for (int i = 0; i < columns.length; i++) {
                        if (row[i] != null) {
                            line.put(columns[i], row[i]);
                        }
                    }
                    try {
                        out.println(json.writeValueAsString(line));
                    } catch (JsonProcessingException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
            case CSV -> {
                out.println(String.join(",", Arrays.stream(columns).map(ResultFormat::csv).toList()));
                for (Object[] row : rows) {
                    out.println(String.join(",", Arrays.stream(row).map(v -> v == null ? "" : csv(value(v)))
                            .toList()));
                }
            }
            default -> throw new IllegalStateException(name());
        }
    }

    private static String value(Object v) {
        if (v instanceof Float f) {
            return Float.toString(f);
        }
        if (v instanceof scala.collection.Iterable<?> seq) {
            return seq.mkString("[", ",", "]");
        }
        return String.valueOf(v);
    }

    /** Quotes a field when it holds a comma, quote, line break or leading/trailing space (tokens often do). */
    static String csv(String field) {
        boolean quote = !field.isEmpty() && (field.chars().anyMatch(c -> c == ',' || c == '"' || c == '\n'
                || c == '\r') || Character.isWhitespace(field.charAt(0))
                || Character.isWhitespace(field.charAt(field.length() - 1)));
        return quote ? '"' + field.replace("\"", "\"\"") + '"' : field;
    }
}
