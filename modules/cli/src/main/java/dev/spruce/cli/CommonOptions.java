package dev.spruce.cli;

import picocli.CommandLine.Option;

/** Options every subcommand takes. */
final class CommonOptions {

    @Option(names = "--verbose", description = "On error, print the full stack trace as well as the one-line message.")
    boolean verbose;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;
}
