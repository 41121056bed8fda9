package dev.spruce.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** calibrate-attention, and eval/generate with sparse attention and compressed caches, on stories260K; bad input. */
class AttentionCommandsTest {

    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Spruce.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    private static String shared(String rel) {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("modules"))) {
            dir = dir.getParent();
        }
        Path p = dir.resolveSibling("shared").resolve(rel);
        assertTrue(Files.exists(p), p + " is missing: tests need ../shared beside the repository");
        return p.toString();
    }

    private static String model() {
        return shared("models/stories260K-hf");
    }

    private static String corpus() {
        return shared("corpora/tinystories/TinyStories-valid.first1000.txt");
    }

    private Path calibrate() {
        Path file = tmp.resolve("channels.json");
        Result r = run("calibrate-attention", "--model", model(), "--corpora", shared("corpora"), "--nsamples", "8",
                "--quiet", "--out", file.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("qk channel ranking of 5 layers × 8 heads of 8"), r.out());
        return file;
    }

    @Test
    void evalReportsPerplexityBytesAndAgreement() throws IOException {
        Path channels = calibrate();
        Result r = run("eval", "--model", model(), "--corpus", corpus(), "--limit", "4", "--json", "--attention", "double-sparse",
                "--token-ratio", "1/4", "--channel-ratio", "1/2", "--channel-calibration", channels.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode n = new ObjectMapper().readTree(r.out());
        assertTrue(n.get("top1_agreement_with_dense").asDouble() > 0.5, r.out());
        assertTrue(n.get("perplexity").asDouble() > 4, r.out());
        // F32 keys and values (5 layers × 2 × 32 floats), and in the 3 sparse layers, per head, 4-bit
        // labels of 4 channels (2 bytes) with a float scale and minimum
        assertEquals(1280 + 3 * 8 * (2 + 8), n.get("kv_bytes_per_position").asLong(), r.out());
        assertTrue(r.err().contains("covers all"), "the dense fallback is said once: " + r.err());

        Result mikv = run("eval", "--model", model(), "--corpus", corpus(), "--limit", "2", "--kv", "mikv", "--mikv-bits", "2", "--quiet");
        assertEquals(0, mikv.code(), mikv.err());
        assertTrue(mikv.out().contains("mikv(bf16 20%, rest int2") && mikv.out().contains("top-1 agreement"), mikv.out());
    }

    @Test
    void generateRunsWithH2o() {
        Result r = run("generate", "--model", model(), "--max-tokens", "40", "--attention", "h2o", "--budget", "0.5",
                "--context", "64");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("Once upon a time"), r.out());
        assertTrue(r.err().contains("attention h2o(budget 50%"), r.err());
    }

    @Test
    void serveTakesTheAttentionFlags() {
        Result help = run("serve", "--help");
        assertEquals(0, help.code(), help.err());
        for (String flag : new String[] {"--attention", "--token-ratio", "--channel-calibration", "--budget", "--kv",
                "--mikv-bits"}) {
            assertTrue(help.out().contains(flag), flag + " missing from: " + help.out());
        }

        Result noChannels = run("serve", "--model", model(), "--port", "0", "--attention", "double-sparse");
        assertEquals(ExitCode.BAD_INPUT, noChannels.code(), noChannels.err());
        assertTrue(noChannels.err().contains("--channel-calibration"), noChannels.err());
        assertEquals(1, noChannels.err().strip().lines().count(), noChannels.err());

        Result mikvH2o = run("serve", "--model", model(), "--port", "0", "--kv", "mikv", "--attention", "h2o");
        assertEquals(ExitCode.BAD_INPUT, mikvH2o.code(), mikvH2o.err());
        assertTrue(mikvH2o.err().contains("use it with --attention dense"), mikvH2o.err());
        assertEquals(1, mikvH2o.err().strip().lines().count(), mikvH2o.err());
    }

    @Test
    void badInputIsOneClearLine() throws IOException {
        Result ratio = run("eval", "--model", model(), "--attention", "h2o", "--budget", "1.5");
        assertEquals(ExitCode.USAGE, ratio.code());
        assertTrue(ratio.err().contains("outside (0, 1]"), ratio.err());

        Result zero = run("eval", "--model", model(), "--attention", "double-sparse", "--token-ratio", "0");
        assertEquals(ExitCode.USAGE, zero.code());

        Result noChannels = run("eval", "--model", model(), "--corpus", corpus(), "--attention", "double-sparse");
        assertEquals(ExitCode.BAD_INPUT, noChannels.code());
        assertTrue(noChannels.err().contains("--channel-calibration"), noChannels.err());

        Path other = tmp.resolve("other.json");
        com.fasterxml.jackson.databind.node.ObjectNode json =
                (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(calibrate().toFile());
        json.put("num_layers", 4);
        ((com.fasterxml.jackson.databind.node.ArrayNode) json.get("channels")).remove(0);
        Files.writeString(other, json.toString());
        Result mismatch = run("generate", "--model", model(), "--max-tokens", "4", "--attention", "double-sparse",
                "--channel-calibration", other.toString());
        assertEquals(ExitCode.BAD_INPUT, mismatch.code(), mismatch.err());
        assertTrue(mismatch.err().contains("the channel calibration is for a model of 4 layers"), mismatch.err());
        assertEquals(1, mismatch.err().strip().lines().count(), mismatch.err());

        Result serveMismatch = run("serve", "--model", model(), "--port", "0", "--attention", "double-sparse",
                "--channel-calibration", other.toString());
        assertEquals(ExitCode.BAD_INPUT, serveMismatch.code(), serveMismatch.err());
        assertTrue(serveMismatch.err().contains("the channel calibration is for a model of 4 layers"), serveMismatch.err());
        assertEquals(1, serveMismatch.err().strip().lines().count(), serveMismatch.err());

        Result tooLong = run("generate", "--model", model(), "--context", "100000");
        assertEquals(ExitCode.BAD_INPUT, tooLong.code());
        assertTrue(tooLong.err().contains("longer than the model's maximum of 512"), tooLong.err());
    }
}
