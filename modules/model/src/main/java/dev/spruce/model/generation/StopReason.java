package dev.spruce.model.generation;

/** Why a generation ended. */
public enum StopReason {
    /** The model produced an end-of-sequence token. */
    EOS,
    /** The text reached one of the stop strings (which is not part of the output). */
    STOP_STRING,
    /** The requested number of new tokens was produced. */
    MAX_TOKENS,
    /** The sequence filled the model's context. */
    CONTEXT_FULL,
    /** The consumer of the text asked to stop (for example, a client disconnected). */
    CANCELLED
}
