package dev.spruce.checkpoint;

import java.nio.file.Path;

/** The output directory of a write already holds files and overwriting was not asked for. */
public final class OutputExistsException extends CheckpointException {

    public OutputExistsException(Path dir) {
        super(dir, dir + ": output directory exists and is not empty (pass --force to replace it)");
    }
}
