package dev.spruce.compress.calib;

import java.io.IOException;
import java.nio.file.Path;

/** A calibration dataset that is missing, altered or unreadable; the message names the file and what is expected. */
public final class DatasetException extends IOException {

    private final Path file;

    public DatasetException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
