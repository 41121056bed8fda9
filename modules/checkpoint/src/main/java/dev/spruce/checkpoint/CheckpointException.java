package dev.spruce.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint on disk that Spruce cannot use: base of the named, checked exceptions the
 * checkpoint layer throws for bad input. Every subclass names the file it is about.
 */
public abstract class CheckpointException extends IOException {

    private final Path file;

    protected CheckpointException(Path file, String message) {
        super(message);
        this.file = file;
    }

    protected CheckpointException(Path file, String message, Throwable cause) {
        super(message, cause);
        this.file = file;
    }

    /** The file (or directory) the problem is in. */
    public Path file() {
        return file;
    }
}
