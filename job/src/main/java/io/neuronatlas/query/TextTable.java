package io.neuronatlas.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Renders a small query result as an aligned text table for a person: token strings are shown quoted so spaces are
 * visible (a column of token lists is already quoted token by token, by its query), and every control character in any value or column name is shown as a visible escape
 * ({@link TerminalText}), so that a token or name cannot move the cursor, clear the screen or reverse the text.
 */
public final class TextTable {
    private TextTable() {
    }

    public static String render(Dataset<Row> rows, int limit) {
        List<Object[]> values = new ArrayList<>();
        for (Row row : rows.limit(limit).collectAsList()) {
            Object[] line = new Object[row.size()];
            for (int i = 0; i < line.length; i++) {
                line[i] = row.get(i);
            }
            values.add(line);
        }
        return render(rows.columns(), values);
    }

    /** Rows computed in memory (a clamp curve), rendered as a query's result is. */
    public static String render(String[] columns, List<Object[]> rows) {
        List<String[]> cells = new ArrayList<>();
        cells.add(java.util.Arrays.stream(columns).map(TerminalText::escape).toArray(String[]::new));
        for (Object[] row : rows) {
            String[] line = new String[columns.length];
            for (int i = 0; i < columns.length; i++) {
                line[i] = cell(columns[i], row[i]);
            }
            cells.add(line);
        }
        int[] widths = new int[columns.length];
        for (String[] line : cells) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < cells.size(); r++) {
            String[] line = cells.get(r);
            for (int i = 0; i < line.length; i++) {
                out.append(i == 0 ? "" : "  ").append(String.format("%-" + widths[i] + "s", line[i]));
            }
            out.append('\n');
            if (r == 0) {
                for (int i = 0; i < line.length; i++) {
                    out.append(i == 0 ? "" : "  ").append("-".repeat(widths[i]));
                }
                out.append('\n');
            }
        }
        return out.toString();
    }

    private static String cell(String column, Object value) {
        if (value == null) {
            return "NULL";
        }
        if (value instanceof Float || value instanceof Double) {
            double d = ((Number) value).doubleValue();
            return Math.abs(d) >= 1e-3 || d == 0 ? String.format(Locale.ROOT, "%.4f", d)
                    : String.format(Locale.ROOT, "%.3e", d);
        }
        // A token alone is quoted; a list of tokens (top_tokens, bottom_tokens) comes quoted token by token.
        if (value instanceof String s && column.contains("token") && !column.endsWith("tokens")) {
            return '"' + TerminalText.escape(s) + '"';
        }
        return TerminalText.escape(value.toString());
    }
}
