package dev.spruce.cli;

import static dev.spruce.cli.CliHarness.assertOneLineError;
import static dev.spruce.cli.CliHarness.run;
import static dev.spruce.cli.CliHarness.shared;

import dev.spruce.cli.CliHarness.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spruce prune} end to end on stories260K, and its refusals of bad input. */
class PruneCommandTest {

    @TempDir
    Path tmp;




    private Result prune(String... extra) {
        String[] base = {"prune", "--model", shared("models/stories260K-hf").toString(), "--corpora",
                shared("corpora").toString(), "--quiet"};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return run(all);
    }

    @Test
    void wandaHalvesEveryLinearAndTheCheckpointLoadsWithSanePerplexity() throws IOException {
        Path out = tmp.resolve("wanda50");
        Result r = prune("--method", "wanda", "--sparsity", "0.5", "--nsamples", "32", "--eval", "ts",
                "--eval-limit", "40", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode sidecar = new ObjectMapper().readTree(out.resolve("spruce.json").toFile());
        assertEquals("wanda", sidecar.path("prune").path("method").asText());
        assertEquals("tinystories", sidecar.path("calibration").path("dataset").asText());
        assertEquals(32, sidecar.path("calibration").path("nsamples").asInt());
        assertEquals(256, sidecar.path("calibration").path("seqlen").asInt());
        assertEquals(64, sidecar.path("calibration").path("sha256").asText().length());
        int tensors = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = sidecar.path("tensors").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> t = it.next();
            assertEquals(0.5, t.getValue().path("sparsity").asDouble(), 0.0, t.getKey());
            tensors++;
        }
        assertEquals(5 * 7, tensors);
        double dense = sidecar.path("perplexity").path("before").asDouble();
        double pruned = sidecar.path("perplexity").path("after").asDouble();
        assertTrue(dense > 1 && pruned > dense && pruned < 10 * dense, dense + " → " + pruned);
        assertTrue(Files.isRegularFile(out.resolve("prune-report.md")));
        assertTrue(Files.isRegularFile(out.resolve("prune-report.json")));

        // the written checkpoint loads and measures what the run measured in memory
        Result eval = run("eval", "--model", out.toString(), "--corpus",
                shared("corpora/tinystories/TinyStories-valid.first1000.txt").toString(), "--limit", "40", "--json");
        assertEquals(0, eval.code(), eval.err());
        assertEquals(pruned, new ObjectMapper().readTree(eval.out()).path("perplexity").asDouble(), 1e-4 * pruned);

        // pruning it again: said so, and the zeros stay
        Path again = tmp.resolve("again");
        Result second = run("prune", "--model", out.toString(), "--corpora", shared("corpora").toString(), "--quiet",
                "--method", "magnitude", "--sparsity", "0.6", "--nsamples", "4", "--out", again.toString());
        assertEquals(0, second.code(), second.err());
        assertTrue(second.err().contains("already 50.0% sparse"), second.err());
        JsonNode s2 = new ObjectMapper().readTree(again.resolve("spruce.json").toFile());
        assertEquals("wanda", s2.path("source_spruce").path("prune").path("method").asText());
        assertTrue(s2.path("prune").path("achieved_sparsity").asDouble() >= 0.6);
    }


    @Test
    void badInputIsOneLineAndWritesNothing() throws IOException {
        Path out = tmp.resolve("never");
        assertOneLineError(prune("--method", "wanda", "--sparsity", "1.5", "--out", out.toString()),
                ExitCode.BAD_INPUT, "strictly between 0 and 1");
        assertOneLineError(prune("--method", "wanda", "--sparsity", "0", "--out", out.toString()),
                ExitCode.BAD_INPUT, "strictly between 0 and 1");
        assertOneLineError(prune("--method", "wanda", "--pattern", "4:4", "--out", out.toString()),
                ExitCode.BAD_INPUT, "1 ≤ n < m");
        assertOneLineError(prune("--method", "wanda", "--pattern", "4:8", "--out", out.toString()),
                ExitCode.BAD_INPUT, "--partial-groups dense|prune");
        assertOneLineError(prune("--method", "wanda", "--sparsity", "0.5", "--nsamples", "2000", "--seqlen", "512",
                "--out", out.toString()), ExitCode.BAD_INPUT, "more than the calibration text");
        assertOneLineError(prune("--method", "wanda", "--sparsity", "0.5", "--pattern", "2:4", "--out", out.toString()),
                ExitCode.USAGE, "mutually exclusive");
        assertOneLineError(prune("--method", "wanda", "--pattern", "2:4", "--plan", "owl", "--out", out.toString()),
                ExitCode.BAD_INPUT, "OWL");
        assertFalse(Files.exists(out), "nothing written on bad input");

        Path taken = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(taken.resolve("keep.txt"), "mine");
        assertOneLineError(prune("--method", "wanda", "--sparsity", "0.5", "--out", taken.toString()),
                ExitCode.CANNOT_WRITE, "--force");
        assertEquals("mine", Files.readString(taken.resolve("keep.txt")));
        assertOneLineError(prune("--method", "wanda", "--sparsity", "0.5", "--force", "--out",
                shared("models/stories260K-hf").toString()), ExitCode.BAD_INPUT, "is the source checkpoint");
    }

    @Test
    void helpExplainsMemoryAndEveryFlag() {
        Result r = run("prune", "--help");
        assertEquals(0, r.code());
        for (String flag : new String[] {"--method", "--sparsity", "--pattern", "--dsnot", "--dsnot-mode", "--calib",
                "--nsamples", "--seqlen", "--seed", "--windows", "--plan", "--eval", "--out", "--force", "--partial-groups",
                "Memory"}) {
            assertTrue(r.out().contains(flag), flag + " in\n" + r.out());
        }
    }
}
