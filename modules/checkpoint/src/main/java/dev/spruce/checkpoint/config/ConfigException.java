package dev.spruce.checkpoint.config;

import dev.spruce.checkpoint.CheckpointException;

import java.nio.file.Path;

/** A {@code config.json} that is missing, malformed, or describes a model Spruce does not support. */
public final class ConfigException extends CheckpointException {

    public ConfigException(Path file, String problem) {
        super(file, file + ": " + problem);
    }

    public ConfigException(Path file, String problem, Throwable cause) {
        super(file, file + ": " + problem, cause);
    }
}
