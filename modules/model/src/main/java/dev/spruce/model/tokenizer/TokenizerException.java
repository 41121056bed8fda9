package dev.spruce.model.tokenizer;

import dev.spruce.checkpoint.CheckpointException;

import java.nio.file.Path;

/**
 * A tokenizer file Spruce cannot use: missing, malformed, or of a kind it does not support. The
 * message reads {@code FILE: PROBLEM}, with the byte offset in the problem for binary files.
 */
public final class TokenizerException extends CheckpointException {

    public TokenizerException(Path file, String problem) {
        super(file, file + ": " + problem);
    }

    public TokenizerException(Path file, String problem, Throwable cause) {
        super(file, file + ": " + problem, cause);
    }
}
