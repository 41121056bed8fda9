package dev.spruce.cli;

/** Exit codes of the {@code spruce} command. */
public final class ExitCode {

    public static final int OK = 0;
    /** Internal error: a bug in Spruce (the message asks for a report). */
    public static final int SOFTWARE = 1;
    /** Bad command line: unknown flag, missing or malformed value. */
    public static final int USAGE = 2;
    /** Bad input data: a corrupt checkpoint, an invalid config, a missing file. */
    public static final int BAD_INPUT = 3;
    /** The output exists and {@code --force} was not given, or cannot be written. */
    public static final int CANNOT_WRITE = 4;

    private ExitCode() {
    }
}
