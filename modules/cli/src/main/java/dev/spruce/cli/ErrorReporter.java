package dev.spruce.cli;

import dev.spruce.checkpoint.CheckpointException;
import dev.spruce.checkpoint.OutputExistsException;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * Maps an exception from a command to one clear line on stderr and an exit code. The stack
 * trace is shown only with {@code --verbose}, or for what must be a bug.
 */
final class ErrorReporter implements CommandLine.IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception ex, CommandLine cli, CommandLine.ParseResult parsed) {
        var err = cli.getErr();
        boolean verbose = parsed.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"))
                || parsed.hasMatchedOption("--verbose");
        int code = exitCode(ex);
        err.println("spruce: " + message(ex));
        if (verbose || code == ExitCode.SOFTWARE) {
            ex.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    static int exitCode(Exception ex) {
        return switch (ex) {
            case OutputExistsException e -> ExitCode.CANNOT_WRITE;
            case CheckpointException e -> ExitCode.BAD_INPUT;
            case NoSuchFileException e -> ExitCode.BAD_INPUT;
            case AccessDeniedException e -> ExitCode.CANNOT_WRITE;
            case UserInputException e -> ExitCode.BAD_INPUT;
            case IOException e -> ExitCode.CANNOT_WRITE;
            default -> ExitCode.SOFTWARE;
        };
    }

    static String message(Exception ex) {
        return switch (ex) {
            case NoSuchFileException e -> e.getFile() + ": " + (e.getReason() != null ? e.getReason() : "no such file or directory");
            case FileSystemException e -> e.getMessage();
            case CheckpointException e -> e.getMessage();
            case UserInputException e -> e.getMessage();
            case IOException e -> e.getMessage();
            default -> "internal error: " + ex;
        };
    }
}
