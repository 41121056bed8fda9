package dev.spruce.model.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * GPT-2's reversible map between bytes and printable characters, which byte-level BPE
 * vocabularies are written in: printable Latin-1 bytes stand for themselves, the other 68 bytes
 * (controls, space, soft hyphen…) for U+0100 onwards in byte order, so a space is {@code Ġ}
 * (U+0120) and a newline {@code Ċ} (U+010A).
 */
final class ByteLevelAlphabet {

    private static final char[] CHAR_OF_BYTE = new char[256];
    private static final int[] BYTE_OF_CHAR = new int[0x100 + 68];

    static {
        Arrays.fill(BYTE_OF_CHAR, -1);
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = (char) (printable ? b : 0x100 + shifted++);
            CHAR_OF_BYTE[b] = c;
            BYTE_OF_CHAR[c] = b;
        }
    }

    private ByteLevelAlphabet() {
    }

    /** {@code text}'s UTF-8 bytes, each written as its character. */
    static String encode(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            out[i] = CHAR_OF_BYTE[utf8[i] & 0xFF];
        }
        return new String(out);
    }

    /** The bytes {@code piece}'s characters stand for, or {@code null} if one is outside the alphabet. */
    static byte[] decode(String piece) {
        byte[] out = new byte[piece.length()];
        for (int i = 0; i < piece.length(); i++) {
            char c = piece.charAt(i);
            if (c >= BYTE_OF_CHAR.length || BYTE_OF_CHAR[c] < 0) {
                return null;
            }
            out[i] = (byte) BYTE_OF_CHAR[c];
        }
        return out;
    }
}
