package io.neuronatlas.checkpoint.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * GPT-2's bytes_to_unicode table. Byte-level BPE stores every byte as one visible character so
 * vocabulary keys are printable JSON: printable Latin-1 bytes stand for themselves, the other 68
 * bytes (controls, space, NBSP, soft hyphen...) are shifted to U+0100 + n in byte order, which is
 * why a leading space shows up as "Ġ" (U+0120) and a newline as "Ċ" (U+010A).
 */
final class ByteLevelAlphabet {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE;

    static {
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            BYTE_TO_CHAR[b] = printable(b) ? (char) b : (char) (0x100 + shifted++);
        }
        CHAR_TO_BYTE = new int[0x100 + shifted];
        Arrays.fill(CHAR_TO_BYTE, -1);
        for (int b = 0; b < 256; b++) {
            CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = b;
        }
    }

    private ByteLevelAlphabet() {
    }

    private static boolean printable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    static char charFor(int unsignedByte) {
        return BYTE_TO_CHAR[unsignedByte];
    }

    /** The byte a table character stands for, or -1 for a character outside the table. */
    static int byteFor(int codePoint) {
        return codePoint >= 0 && codePoint < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[codePoint] : -1;
    }

    /**
     * Vocabulary key for a text. Unpaired surrogates are refused rather than silently written as
     * '?', since the key would then not decode back to the text.
     */
    static String encode(String text) {
        ByteBuffer bytes;
        try {
            bytes = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(text));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("text is not valid Unicode (unpaired surrogate?): " + escape(text), e);
        }
        StringBuilder key = new StringBuilder(bytes.remaining());
        while (bytes.hasRemaining()) {
            key.append(BYTE_TO_CHAR[bytes.get() & 0xFF]);
        }
        return key.toString();
    }

    /**
     * Text of a vocabulary key. Bytes that are not valid UTF-8 on their own (a token holding half of
     * a multi-byte character) become U+FFFD, as String's decoder does.
     */
    static String decode(String key) {
        if (isPrintableAscii(key)) {
            return key; // most keys: every char is its own byte
        }
        byte[] buffer = new byte[key.length() * 4];
        int length = 0;
        for (int i = 0; i < key.length(); ) {
            int cp = key.codePointAt(i);
            i += Character.charCount(cp);
            int b = byteFor(cp);
            if (b >= 0) {
                buffer[length++] = (byte) b;
            } else {
                // Not produced by the table (hand-edited vocab?): keep the character itself.
                byte[] utf8 = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                System.arraycopy(utf8, 0, buffer, length, utf8.length);
                length += utf8.length;
            }
        }
        return new String(buffer, 0, length, StandardCharsets.UTF_8);
    }

    private static boolean isPrintableAscii(String key) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < '!' || c > '~') {
                return false;
            }
        }
        return true;
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder();
        text.chars().forEach(c -> out.append(c < 0x20 || c > 0x7E ? String.format("\\u%04X", c) : String.valueOf((char) c)));
        return out.toString();
    }
}
