package dev.spruce.model.tokenizer;

import java.util.List;

/**
 * Text to token ids and back, for one model's vocabulary. Implementations are immutable and
 * thread-safe; {@link #newDecoder()} gives each generation its own streaming state.
 */
public interface Tokenizer {

    /** Number of ids the tokenizer can produce (at most the model's {@code vocab_size}). */
    int vocabSize();

    /**
     * The ids of {@code text}, without BOS: the caller decides whether to prepend {@link #bosId()}
     * (evaluation protocols and chat templates differ).
     */
    int[] encode(String text);

    /**
     * The text of {@code ids} as a whole (byte-fallback pieces joined before UTF-8 decoding).
     * Control tokens (BOS, EOS, special added tokens) decode to nothing, and SentencePiece-style
     * tokenizers drop the space their encoder puts before a text, so {@code decode(encode(s))}
     * gives {@code s} back.
     */
    String decode(int[] ids);

    /**
     * A fresh streaming decoder: feed ids one at a time and get text as soon as it is complete.
     * Its first text is the start of a text, as for {@link #decode}.
     */
    StreamingDecoder newDecoder();

    /**
     * A fresh streaming decoder for ids that continue {@code context} (typically the prompt): when
     * the context holds text, a leading space of the first new piece is kept, since it separates
     * the new text from the context's, rather than being dropped as at the start of a text.
     */
    default StreamingDecoder newDecoder(int[] context) {
        return newDecoder();
    }

    /** The beginning-of-sequence id, or -1 when the vocabulary has none. */
    int bosId();

    /** Ids that end a generation (EOS, and end-of-turn tokens of chat models); may be empty. */
    List<Integer> eosIds();

    /** The vocabulary entry for {@code id} as stored (for diagnostics and tests). */
    String piece(int id);

    /** Incremental decoding for streaming output. Not thread-safe: one per generation. */
    interface StreamingDecoder {

        /**
         * Consumes {@code id} and returns the text that became complete, possibly empty (a byte
         * token in the middle of a multi-byte character yields nothing until the character ends).
         */
        String next(int id);

        /** Text still held back (an incomplete UTF-8 sequence, rendered with replacement characters). */
        String flush();
    }
}
