package dev.spruce.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options of every command that writes a checkpoint. */
final class OutputOptions {

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Output directory (created; nothing appears in it until the checkpoint is complete).")
    Path out;

    @Option(names = "--force", description = "Replace a checkpoint already in --out.")
    boolean force;
}
