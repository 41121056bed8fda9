package dev.spruce.server;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Node scripts of {@code src/test/js} (the official openai client, playwright-core):
 * installs their packages from the lock file on first use, then runs one script with an
 * environment and returns what it printed. A missing {@code node} or {@code npm} fails the test
 * with what to install; it never skips.
 */
final class NodeScripts {

    static final Path DIR = Path.of("src/test/js").toAbsolutePath();

    private NodeScripts() {
    }

    /** {@code npm ci} when the installed packages are missing or older than the lock file. */
    static synchronized void install() throws IOException, InterruptedException {
        requireTool("node");
        requireTool("npm");
        Path marker = DIR.resolve("node_modules/.package-lock.json");
        if (Files.exists(marker)
                && !Files.getLastModifiedTime(marker).toInstant()
                .isBefore(Files.getLastModifiedTime(DIR.resolve("package-lock.json")).toInstant())) {
            return;
        }
        run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), 300);
    }

    /** Runs {@code node SCRIPT} in {@code src/test/js} and returns its standard output. */
    static String node(String script, Map<String, String> env, long timeoutSeconds)
            throws IOException, InterruptedException {
        install();
        return run(List.of("node", script), env, timeoutSeconds);
    }

    private static String run(List<String> command, Map<String, String> env, long timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(DIR.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s; stderr:\n" + err.join());
        }
        if (p.exitValue() != 0) {
            fail(String.join(" ", command) + " exited with " + p.exitValue() + "; stderr:\n" + err.join()
                    + "\nstdout:\n" + out.join());
        }
        return out.join();
    }

    private static void requireTool(String tool) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() == 0) {
                return;
            }
        } catch (IOException e) {
            // not on the PATH: fall through to the failure
        }
        fail("'" + tool + "' is not installed: the client tests drive the server with Node.js (apt-get install -y"
                + " nodejs npm); they fail rather than skip without it");
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(could not read: " + e + ")";
        }
    }
}
