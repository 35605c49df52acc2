package io.neuronatlas.udfs;

import java.lang.Character.UnicodeScript;
import java.text.Normalizer;
import java.util.Locale;

/**
 * What a token string says as a word. Plain Java on Strings so tests and non-Spark code call it directly; the SQL
 * functions in {@link AtlasFunctions} are thin wrappers. Token strings are decoded text, so a space marker is
 * normally a real space; 'Ġ' (byte-level BPE) and '▁' (SentencePiece) are stripped too, but only in front, for
 * vocabularies read without decoding.
 */
public final class TokenText {
    private TokenText() {
    }

    /** The token without leading space markers and surrounding whitespace or control characters. */
    public static String trim(String token) {
        int start = 0;
        int end = token.length();
        while (start < end) {
            int cp = token.codePointAt(start);
            if (!isBlank(cp) && cp != 'Ġ' && cp != '\u2581') {
                break;
            }
            start += Character.charCount(cp);
        }
        while (end > start) {
            int cp = token.codePointBefore(end);
            if (!isBlank(cp)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return token.substring(start, end);
    }

    private static boolean isBlank(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || Character.isISOControl(cp)
                || cp == '\u200B' || cp == '\uFEFF';
    }

    /**
     * The grouping key of a token: trimmed, NFKC-normalized, case-folded (upper then lower case, so 'ß' and "SS"
     * fold together, as full case folding does). " Coming", "coming" and " COMING" all give "coming".
     */
    public static String norm(String token) {
        String nfkc = Normalizer.normalize(trim(token), Normalizer.Form.NFKC);
        return Normalizer.normalize(nfkc.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT), Normalizer.Form.NFKC);
    }

    /**
     * The Unicode script of the token's letters, as Unicode names it with words capitalized ("Latin", "Cyrillic",
     * "Han", "Old_Italic"): "Mixed" when letters of two scripts occur, "None" when there are no letters (digits,
     * punctuation, U+FFFD, byte tokens). Combining marks and characters shared by all scripts are ignored.
     */
    public static String script(String token) {
        UnicodeScript found = null;
        for (int i = 0; i < token.length(); ) {
            int cp = token.codePointAt(i);
            i += Character.charCount(cp);
            if (!Character.isLetter(cp)) {
                continue;
            }
            UnicodeScript s = UnicodeScript.of(cp);
            if (s == UnicodeScript.COMMON || s == UnicodeScript.INHERITED || s == UnicodeScript.UNKNOWN) {
                continue;
            }
            if (found != null && found != s) {
                return "Mixed";
            }
            found = s;
        }
        return found == null ? "None" : displayName(found);
    }

    private static String displayName(UnicodeScript script) {
        StringBuilder out = new StringBuilder();
        for (String word : script.name().split("_")) {
            if (out.length() > 0) {
                out.append('_');
            }
            out.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
        }
        return out.toString();
    }

    /** Whether the trimmed token is one or more letters (with any combining marks) and nothing else. */
    public static boolean isWord(String token) {
        String t = trim(token);
        if (t.isEmpty()) {
            return false;
        }
        for (int i = 0; i < t.length(); ) {
            int cp = t.codePointAt(i);
            i += Character.charCount(cp);
            int type = Character.getType(cp);
            boolean mark = type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                    || type == Character.ENCLOSING_MARK;
            if (!Character.isLetter(cp) && !(mark && i > Character.charCount(cp))) {
                return false;
            }
        }
        return true;
    }
}
