package dev.spruce.model.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * Streaming decoding over ids that each stand for some bytes: emits every complete UTF-8
 * character as soon as its last byte arrives and holds back an unfinished one. Malformed bytes
 * become U+FFFD as soon as they are known to be malformed, so nothing is held forever.
 */
final class Utf8StreamDecoder implements Tokenizer.StreamingDecoder {

    private final IntFunction<byte[]> bytesOf;
    private byte[] pending = new byte[8];
    private int pendingLength;
    private int spacesToStrip;
    private boolean started;

    Utf8StreamDecoder(IntFunction<byte[]> bytesOf, int leadingSpacesToStrip) {
        this.bytesOf = bytesOf;
        this.spacesToStrip = leadingSpacesToStrip;
    }

    @Override
    public String next(int id) {
        for (byte b : bytesOf.apply(id)) {
            if (!started && b == ' ' && spacesToStrip > 0) {
                spacesToStrip--;
                continue;
            }
            started = true;
            append(b);
        }
        int complete = completePrefix();
        String text = new String(pending, 0, complete, StandardCharsets.UTF_8);
        System.arraycopy(pending, complete, pending, 0, pendingLength - complete);
        pendingLength -= complete;
        return text;
    }

    @Override
    public String flush() {
        String text = new String(pending, 0, pendingLength, StandardCharsets.UTF_8);
        pendingLength = 0;
        return text;
    }

    private void append(byte b) {
        if (pendingLength == pending.length) {
            pending = Arrays.copyOf(pending, pendingLength * 2);
        }
        pending[pendingLength++] = b;
    }

    /** Length of the pending prefix that ends on a character boundary (or a malformed byte). */
    private int completePrefix() {
        // The last character starts at the last non-continuation byte among the final four.
        for (int i = pendingLength - 1; i >= Math.max(0, pendingLength - 4); i--) {
            int b = pending[i] & 0xFF;
            if ((b & 0xC0) != 0x80) {
                int need = b < 0x80 ? 1 : b >= 0xF8 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
                return pendingLength - i < need ? i : pendingLength;
            }
        }
        return pendingLength;
    }
}
