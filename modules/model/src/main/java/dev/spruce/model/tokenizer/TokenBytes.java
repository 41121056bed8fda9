package dev.spruce.model.tokenizer;

/**
 * What each id decodes to, as raw bytes, and the decoding built on that: byte-fallback pieces
 * ({@code <0x0A>}) and byte-level pieces are single bytes of a UTF-8 sequence that may span
 * several ids, so text is only made from the joined bytes.
 *
 * <p>Control tokens (BOS, EOS, special added tokens) decode to nothing. SentencePiece-style
 * tokenizers also drop the space their encoder puts before the text.
 */
final class TokenBytes {

    private static final byte[] NOTHING = new byte[0];

    private final byte[][] bytes;
    private final int leadingSpacesToStrip;

    /**
     * @param bytes                what each id decodes to; {@code null} for ids that decode to nothing
     * @param leadingSpacesToStrip how many spaces to remove from the start of the decoded text
     */
    TokenBytes(byte[][] bytes, int leadingSpacesToStrip) {
        this.bytes = bytes.clone();
        this.leadingSpacesToStrip = leadingSpacesToStrip;
    }

    byte[] of(int id) {
        if (id < 0 || id >= bytes.length) {
            throw new IllegalArgumentException("id " + id + " is outside the vocabulary of " + bytes.length);
        }
        byte[] b = bytes[id];
        return b == null ? NOTHING : b;
    }

    String decode(int[] ids) {
        Tokenizer.StreamingDecoder d = newDecoder();
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            text.append(d.next(id));
        }
        return text.append(d.flush()).toString();
    }

    Tokenizer.StreamingDecoder newDecoder() {
        return new Utf8StreamDecoder(this::of, leadingSpacesToStrip);
    }

    /** A decoder for ids that continue {@code context}: no space is stripped once the context has text. */
    Tokenizer.StreamingDecoder newDecoder(int[] context) {
        for (int id : context) {
            if (of(id).length > 0) {
                return new Utf8StreamDecoder(this::of, 0);
            }
        }
        return newDecoder();
    }
}
