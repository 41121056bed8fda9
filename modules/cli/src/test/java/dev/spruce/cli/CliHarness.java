package dev.spruce.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the CLI in-process and finds the shared models and corpora, for the command tests. */
final class CliHarness {

    private CliHarness() {
    }

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Spruce.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    /** A path under {@code ../shared}, asserted to exist. */
    static Path shared(String rel) {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("modules"))) {
            dir = dir.getParent();
        }
        Path p = dir.resolveSibling("shared").resolve(rel);
        assertTrue(Files.exists(p), p + " is missing: tests need ../shared beside the repository");
        return p;
    }

    /** The exit code, a message containing {@code contains}, and no stack trace. */
    static void assertOneLineError(Result r, int code, String contains) {
        assertEquals(code, r.code(), r.err());
        assertTrue(r.err().contains(contains), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }
}
