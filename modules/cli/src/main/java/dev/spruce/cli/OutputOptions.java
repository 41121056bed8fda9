package dev.spruce.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.spruce.checkpoint.OutputExistsException;
import picocli.CommandLine.Option;

/** Options of every command that writes a checkpoint. */
final class OutputOptions {

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Output directory (created; nothing appears in it until the checkpoint is complete).")
    Path out;

    @Option(names = "--force", description = "Replace a checkpoint already in --out.")
    boolean force;

    /**
     * Refuses, before any long work, an output that would be refused at the end or would overwrite
     * the source checkpoint {@code source}.
     *
     * @param what the checkpoint being written ("pruned", "sliced"), for the message
     */
    void checkBeforeWork(Path source, String what) throws IOException, UserInputException {
        if (!Files.exists(out)) {
            return;
        }
        if (!Files.isDirectory(out)) {
            throw new UserInputException(out + ": exists and is not a directory");
        }
        if (Files.isDirectory(source) && Files.isSameFile(out, source)) {
            throw new UserInputException(out + ": is the source checkpoint; write the " + what + " one elsewhere");
        }
        if (!force) {
            try (var entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw new OutputExistsException(out);
                }
            }
        }
    }
}
