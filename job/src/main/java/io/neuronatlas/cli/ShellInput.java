package io.neuronatlas.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where the shell's statements begin and end, the same typed or piped in. A line whose first word is one of the
 * shell's commands ({@code find-token " dog"}, {@code \timing}) is one statement, a trailing ';' optional. Anything
 * else is SQL, which may span lines and ends at a ';' outside quotes and comments (or at the end of a piped script).
 */
final class ShellInput {
    private ShellInput() {
    }

    /** Whether text, lines typed so far, holds only whole statements (or nothing but blanks and comments). */
    static boolean complete(String text) {
        String body = withoutLeadingComments(text);
        if (body.isEmpty() || isCommand(body)) {
            return true;
        }
        List<String> pieces = split(body);
        return withoutLeadingComments(pieces.get(pieces.size() - 1)).isEmpty();
    }

    /**
     * The statements of complete text: a command line as it is (its trailing ';' removed), or each SQL statement
     * without its ';'. At the end of a script, SQL without a final ';' is a statement too.
     */
    static List<String> statements(String text) {
        String body = withoutLeadingComments(text);
        List<String> out = new ArrayList<>();
        if (body.isEmpty()) {
            return out;
        }
        if (isCommand(body)) {
            out.add(body.replaceAll(";\\s*$", "").strip());
            return out;
        }
        for (String piece : split(body)) {
            String statement = withoutLeadingComments(piece);
            if (!statement.isEmpty()) {
                out.add(statement);
            }
        }
        return out;
    }

    /** Whether the text starts with a shell command rather than SQL. */
    static boolean isCommand(String text) {
        String first = firstWord(text);
        return first.startsWith("\\") || Shell.COMMANDS.contains(first.toLowerCase(Locale.ROOT));
    }

    static String firstWord(String text) {
        String s = text.strip();
        int end = 0;
        while (end < s.length() && !Character.isWhitespace(s.charAt(end)) && s.charAt(end) != ';') {
            end++;
        }
        return s.substring(0, end);
    }

    /** Blank lines and '--' comment lines before the first statement dropped, so a script may start with them. */
    private static String withoutLeadingComments(String text) {
        String s = text.strip();
        while (s.startsWith("--")) {
            int end = s.indexOf('\n');
            s = end < 0 ? "" : s.substring(end + 1).strip();
        }
        return s;
    }

    /** SQL cut at each ';' outside '...', "...", `...`, -- comments and block comments; the last piece after it. */
    private static List<String> split(String sql) {
        List<String> pieces = new ArrayList<>();
        StringBuilder piece = new StringBuilder();
        char quote = 0;
        boolean lineComment = false;
        boolean blockComment = false;
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            char next = i + 1 < sql.length() ? sql.charAt(i + 1) : 0;
            if (lineComment) {
                lineComment = c != '\n';
            } else if (blockComment) {
                if (c == '*' && next == '/') {
                    blockComment = false;
                    piece.append(c);
                    c = next;
                    i++;
                }
            } else if (quote != 0) {
                if (c == '\\' && quote != '`' && next != 0) {
                    // Spark's string literals take backslash escapes: \' does not end the string.
                    piece.append(c);
                    c = next;
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"' || c == '`') {
                quote = c;
            } else if (c == '-' && next == '-') {
                lineComment = true;
            } else if (c == '/' && next == '*') {
                blockComment = true;
            } else if (c == ';') {
                pieces.add(piece.toString());
                piece.setLength(0);
                continue;
            }
            piece.append(c);
        }
        pieces.add(piece.toString());
        return pieces;
    }
}
