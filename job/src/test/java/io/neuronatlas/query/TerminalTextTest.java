package io.neuronatlas.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.neuronatlas.testing.Controls;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Control characters reach a terminal as visible escapes, never as themselves. */
class TerminalTextTest {
    @Test
    void everyControlCharacterBecomesAVisibleEscapeAndNothingElseChanges() {
        for (int c = 0; c < 0x10000; c++) {
            if (Character.isSurrogate((char) c)) {
                continue;
            }
            String text = "a" + (char) c + "b";
            String escaped = TerminalText.escape(text);
            if (Controls.controlling(c)) {
                String expected = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r"
                        : c <= 0xff ? String.format("\\x%02x", c) : String.format("\\u%04x", c);
                assertEquals("a" + expected + "b", escaped, "U+" + Integer.toHexString(c));
            } else {
                assertEquals(text, escaped, "U+" + Integer.toHexString(c) + " is printable and stays");
            }
        }
        assertEquals("\\x1b[2J\\x1b]0;pwned\\x07 \\u202egnp.exe", TerminalText.escape("\u001b[2J\u001b]0;pwned\u0007 "
                + "\u202egnp.exe"));
        assertEquals("dog 🐕 Ġ ▁ é", TerminalText.escape("dog 🐕 Ġ ▁ é"), "non-control text, astral too, stays");
    }

    @Test
    void linesOfAMessageKeepTheirBreaksAndTabsButNotOtherControls() {
        assertEquals("line 1\n\tline 2 \\x1b[31mred\\r", TerminalText.escapeKeepingLines(
                "line 1\n\tline 2 \u001b[31mred\r"));
    }

    @Test
    void aConsoleEscapesWhateverIsPrintedThroughIt() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream console = TerminalText.console(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        console.println("folder \u001b[2Jname");
        console.printf("%s|%d%n", "\u009b6n\u202e", 7);
        console.print('\u0007');
        console.print((Object) "\u0000");
        console.append("\u007f").append('\b');
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals("folder \\x1b[2Jname\n\\x9b6n\\u202e|7\n\\x07\\x00\\x7f\\x08", out.replace(System.lineSeparator(),
                "\n"));
        assertFalse(Controls.anyBesidesLineBreaks(out), out);
    }

    @Test
    void aTableQuotesATokenAndEscapesAListOfTokensWithoutQuotingItAgain() {
        String table = TextTable.render(new String[] {"token", "top_tokens", "shared_top_tokens"}, java.util.List.<Object[]>of(
                new Object[] {" dog", "\" dog\" \"\u001b[2J\"", 3L}));
        String[] lines = table.split("\n");
        assertEquals(3, lines.length, table);
        assertEquals(java.util.List.of("\" dog\"", "\" dog\" \"\\x1b[2J\"", "3"),
                java.util.Arrays.asList(lines[2].trim().split(" {2,}")), table);
    }
}
