package io.neuronatlas.testing;

/** What a terminal obeys rather than shows, written apart from the code under test: the list of them. */
public final class Controls {
    private Controls() {
    }

    /** C0 and C1 controls and DEL, the bidirectional controls, and the line and paragraph separators. */
    public static boolean controlling(int c) {
        return Character.getType(c) == Character.CONTROL || c == 0x061c || c == 0x200e || c == 0x200f
                || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029;
    }

    /** Whether text holds a controlling character other than line breaks. */
    public static boolean anyBesidesLineBreaks(String text) {
        return text.chars().anyMatch(c -> c != '\n' && controlling(c));
    }
}
