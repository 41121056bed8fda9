package dev.spruce.bench.e2e;

/**
 * One sequence run by one inference engine: token ids in, logits out. The end-to-end harness and
 * the cross-engine tests drive Spruce and Jlama through this, so both see the same calls. Not
 * thread-safe; closing it frees the model and the sequence's cache.
 */
public interface EngineSession extends AutoCloseable {

    /** The engine's name as reports show it, e.g. {@code spruce}. */
    String engine();

    /** Logits per token. */
    int vocabSize();

    /** The next position to be filled: the number of tokens seen since the last {@link #reset()}. */
    int position();

    /**
     * Runs {@code tokens[from .. from + count)} at the next positions as one prefill.
     *
     * @param allLogits return the logits after every token ({@code [count][vocab]}, row-major)
     *                  rather than only after the last ({@code [vocab]})
     */
    float[] forward(int[] tokens, int from, int count, boolean allLogits);

    /** One decode step: the logits after {@code token}, run at the next position. */
    float[] decode(int token);

    /** Forgets the sequence: the next token goes to position 0. */
    void reset();

    @Override
    void close();
}
