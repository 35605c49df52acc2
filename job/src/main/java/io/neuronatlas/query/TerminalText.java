package io.neuronatlas.query;

import java.io.PrintStream;

/**
 * Text for a person's terminal. Token strings, folder names, SQL and error messages can hold control characters
 * that a terminal would obey rather than show: ESC starts sequences that clear the screen or retitle the window, CR
 * and BS overwrite what was printed, U+202E reverses the text after it. Here every C0 and C1 control, DEL, and the
 * bidirectional and line-separator controls are shown as visible escapes ({@code \x1b}, {@code \u202e}). Machine
 * output (CSV, JSON lines) never goes through here: it stays exact.
 */
public final class TerminalText {
    private TerminalText() {
    }

    /** Every control character escaped, line breaks and tabs included: for one cell or one value. */
    public static String escape(String text) {
        return escape(text, false);
    }

    /** As {@link #escape(String)}, but line breaks and tabs stay: for whole lines of a message or a report. */
    public static String escapeKeepingLines(String text) {
        return escape(text, true);
    }

    private static String escape(String text, boolean keepLines) {
        if (text == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean keep = !isControl(c) || keepLines && (c == '\n' || c == '\t');
            if (keep) {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            out.append(visible(c));
        }
        return out == null ? text : out.toString();
    }

    /** C0 controls, DEL, C1 controls, and the bidirectional and line/paragraph separator controls. */
    static boolean isControl(char c) {
        return c < 0x20 || c >= 0x7f && c <= 0x9f || c == 0x061c || c == 0x200e || c == 0x200f
                || c >= 0x2028 && c <= 0x202e || c >= 0x2066 && c <= 0x2069;
    }

    private static String visible(char c) {
        return switch (c) {
            case '\n' -> "\\n";
            case '\t' -> "\\t";
            case '\r' -> "\\r";
            default -> c <= 0xff ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c);
        };
    }

    /**
     * A console for a person over target: whatever is printed through it as text ({@code print}, {@code println},
     * {@code printf}) has its control characters escaped, line breaks and tabs kept.
     */
    public static PrintStream console(PrintStream target) {
        return target instanceof Console ? target : new Console(target);
    }

    /** Text goes to the target's own print methods (and so its encoding) once escaped. */
    private static final class Console extends PrintStream {
        private final PrintStream target;

        Console(PrintStream target) {
            super(target, true);
            this.target = target;
        }

        @Override
        public void print(String s) {
            target.print(escapeKeepingLines(String.valueOf(s)));
        }

        @Override
        public void print(Object o) {
            print(String.valueOf(o));
        }

        @Override
        public void print(char c) {
            print(String.valueOf(c));
        }

        @Override
        public void print(char[] s) {
            print(new String(s));
        }

        @Override
        public void println(String s) {
            synchronized (this) {
                print(s);
                target.println();
            }
        }

        @Override
        public void println(Object o) {
            println(String.valueOf(o));
        }

        @Override
        public void println(char c) {
            println(String.valueOf(c));
        }

        @Override
        public void println(char[] s) {
            println(new String(s));
        }

        @Override
        public void println() {
            target.println();
        }

        @Override
        public PrintStream append(CharSequence csq) {
            print(String.valueOf(csq));
            return this;
        }

        @Override
        public PrintStream append(CharSequence csq, int start, int end) {
            print(String.valueOf(csq == null ? "null" : csq.subSequence(start, end)));
            return this;
        }

        @Override
        public PrintStream append(char c) {
            print(c);
            return this;
        }

        @Override
        public void flush() {
            target.flush();
        }
    }
}
