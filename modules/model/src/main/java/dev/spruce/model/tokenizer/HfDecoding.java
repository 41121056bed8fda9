package dev.spruce.model.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * The {@code decoder} of a Hugging Face {@code tokenizer.json}, reduced to what Llama-family
 * decoders do to each token: byte-level characters back to bytes ({@code ByteLevel}), {@code <0xNN>}
 * pieces to bytes ({@code ByteFallback}), "▁" back to spaces ({@code Replace}, {@code Metaspace}),
 * and spaces removed from the start of the text ({@code Strip}, {@code Metaspace}).
 *
 * @param byteLevel            pieces are written in {@link ByteLevelAlphabet} characters
 * @param byteFallback         {@code <0xNN>} pieces are single bytes
 * @param replace              a string each piece has replaced by {@code replacement}, or {@code null}
 * @param replacement          what {@code replace} becomes
 * @param leadingSpacesToStrip spaces removed from the start of the decoded text
 */
record HfDecoding(boolean byteLevel, boolean byteFallback, String replace, String replacement,
                  int leadingSpacesToStrip) {

    /** No decoder in the file: pieces are joined as they are. */
    static final HfDecoding RAW = new HfDecoding(false, false, null, null, 0);

    /**
     * What each id decodes to.
     *
     * @param pieces  the vocabulary entry of each id ({@code null} for unused ids)
     * @param control ids that decode to nothing (special added tokens)
     */
    TokenBytes table(String[] pieces, boolean[] control) {
        byte[][] bytes = new byte[pieces.length][];
        for (int id = 0; id < pieces.length; id++) {
            if (pieces[id] != null && !control[id]) {
                bytes[id] = bytesOf(pieces[id]);
            }
        }
        return new TokenBytes(bytes, leadingSpacesToStrip);
    }

    private byte[] bytesOf(String piece) {
        if (byteLevel) {
            // Hugging Face keeps a piece with a character outside the alphabet (an added token) as UTF-8.
            byte[] b = ByteLevelAlphabet.decode(piece);
            if (b != null) {
                return b;
            }
        }
        if (byteFallback && piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")) {
            int hi = Character.digit(piece.charAt(3), 16), lo = Character.digit(piece.charAt(4), 16);
            if (hi >= 0 && lo >= 0) {
                return new byte[] {(byte) (hi * 16 + lo)};
            }
        }
        String text = replace != null ? piece.replace(replace, replacement) : piece;
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
