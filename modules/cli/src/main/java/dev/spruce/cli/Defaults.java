package dev.spruce.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the bundled default model is: {@code ../shared/models/stories260K-hf} beside the repository. */
final class Defaults {

    private Defaults() {
    }

    /** The Spruce checkout the launcher runs from ({@code -Dspruce.home}), or the working directory. */
    static Path home() {
        String home = System.getProperty("spruce.home");
        return home != null ? Path.of(home) : Path.of("").toAbsolutePath();
    }

    /** The shared corpora folder, {@code ../shared/corpora} beside the checkout. */
    static Path corpora() {
        return home().toAbsolutePath().normalize().resolveSibling("shared").resolve("corpora");
    }

    /** The default model directory, or a clear error when the shared data is not there. */
    static Path model() throws UserInputException {
        Path p = home().toAbsolutePath().normalize().resolveSibling("shared").resolve("models/stories260K-hf");
        if (!Files.isDirectory(p)) {
            throw new UserInputException("no --model given and the default model " + p
                    + " is not there; pass --model DIR (a Hugging Face checkpoint directory)");
        }
        return p;
    }
}
