package dev.spruce.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Paths into the project's {@code ../shared} folder (models and corpora that must never be copied
 * into the repository). A test that needs it fails loudly when it is absent: it never skips.
 */
public final class SharedData {

    private SharedData() {
    }

    /** The {@code shared} folder beside the repository root ({@code -Dspruce.shared} overrides). */
    public static Path root() {
        String override = System.getProperty("spruce.shared");
        if (override != null) {
            return checked(Path.of(override));
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isDirectory(dir.resolve("modules")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return checked(dir.resolveSibling("shared"));
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("cannot find the repository root above " + Path.of("").toAbsolutePath());
    }

    public static Path stories260kHf() {
        return checked(root().resolve("models/stories260K-hf"));
    }

    public static Path stories260kBin() {
        return checked(root().resolve("models/stories260K/stories260K.bin"));
    }

    public static Path tok512() {
        return checked(root().resolve("models/stories260K/tok512.bin"));
    }

    private static Path checked(Path p) {
        if (!Files.exists(p)) {
            throw new IllegalStateException(p + " is missing: tests need the project's shared data beside the repository"
                    + " (../shared); see README.md");
        }
        return p;
    }
}
