package dev.spruce.cli;

import static dev.spruce.cli.CliHarness.run;
import static dev.spruce.cli.CliHarness.shared;

import dev.spruce.cli.CliHarness.Result;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The spruce command end to end, with its output captured. */
class CliTest {

    @TempDir
    Path tmp;




    @Test
    void inspectShowsConfigAndTensors() {
        Result r = run("inspect", shared("models/stories260K-hf").toString(), "--zeros");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("llama: 5 layers, hidden 64, MLP 172, 8 heads (4 KV, head_dim 8), vocab 512"), r.out());
        assertTrue(r.out().contains("260,032"), r.out());
        assertTrue(r.out().contains("model.layers.4.mlp.down_proj.weight"), r.out());
        assertTrue(r.out().contains("Exact zeros: 0 of 260,032"), r.out());
    }

    @Test
    void inspectJsonIsMachineReadable() throws IOException {
        Result r = run("inspect", "--json", shared("models/stories260K-hf").toString());
        assertEquals(0, r.code(), r.err());
        JsonNode n = new ObjectMapper().readTree(r.out());
        assertEquals(260_032, n.get("parameters").asLong());
        assertEquals(47, n.get("tensors").size());
        assertEquals("F32", n.get("tensors").get(0).get("dtype").asText());
    }

    @Test
    void convertThenInspect() {
        Path out = tmp.resolve("hf");
        Result r = run("convert", "--from", "llama2c", shared("models/stories260K/stories260K.bin").toString(),
                "--tokenizer", shared("models/stories260K/tok512.bin").toString(), "--out", out.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertEquals(0, run("inspect", out.toString()).code());
        Result again = run("convert", "--from", "llama2c", shared("models/stories260K/stories260K.bin").toString(),
                "--tokenizer", shared("models/stories260K/tok512.bin").toString(), "--out", out.toString());
        assertEquals(ExitCode.CANNOT_WRITE, again.code());
        assertTrue(again.err().contains("--force"), again.err());
    }

    @Test
    void corruptInputIsOneLineAndLeavesNoOutput() throws IOException {
        Path bad = tmp.resolve("bad.bin");
        Files.write(bad, new byte[] {1, 0, 0, 0, 2, 0, 0, 0});
        Path out = tmp.resolve("never");
        Result r = run("convert", "--from", "llama2c", bad.toString(), "--tokenizer",
                shared("models/stories260K/tok512.bin").toString(), "--out", out.toString());
        assertEquals(ExitCode.BAD_INPUT, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("spruce: " + bad), r.err());
        assertFalse(Files.exists(out));

        Path st = tmp.resolve("x.safetensors");
        Files.write(st, new byte[] {(byte) 0xFF, 0, 0, 0, 0, 0, 0, 0, '{', '}'});
        Result i = run("inspect", st.toString());
        assertEquals(ExitCode.BAD_INPUT, i.code());
        assertTrue(i.err().contains("header length 255 runs past the end"), i.err());
        assertFalse(i.err().contains("\tat "), "no stack trace without --verbose");
    }

    @Test
    void synthWritesALoadableCheckpoint() {
        Path out = tmp.resolve("synth");
        Result r = run("synth", "--like", "stories260k", "--dtype", "f16", "--seed", "3", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        Result i = run("inspect", "--json", out.toString());
        assertEquals(0, i.code(), i.err());
        assertTrue(i.out().contains("\"F16\""));
        assertEquals(ExitCode.BAD_INPUT, run("synth", "--like", "gpt-5", "--out", tmp.resolve("z").toString()).code());
        assertEquals(ExitCode.USAGE, run("synth", "--like", "stories260k", "--dtype", "q4", "--out", "z").code());
        assertEquals(ExitCode.USAGE, run("synth", "--like", "stories260k", "--shard-size", "lots", "--out", "z").code());
    }

    @Test
    void inspectReportsTensorsThatDoNotMatchTheConfig() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("wrongconfig"));
        Files.copy(shared("models/stories260K-hf/model.safetensors"), dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("config.json"), Files.readString(shared("models/stories260K-hf/config.json"))
                .replace("\"intermediate_size\": 172", "\"intermediate_size\": 176"));
        Result r = run("inspect", dir.toString());
        assertEquals(ExitCode.BAD_INPUT, r.code());
        assertTrue(r.out().contains("'model.layers.0.mlp.gate_proj.weight' has shape [172, 64], expected [176, 64]"), r.out());
    }

    @Test
    void helpExplainsEveryCommand() {
        Result r = run("--help");
        assertEquals(0, r.code());
        for (String c : new String[] {"inspect", "convert", "synth"}) {
            assertTrue(r.out().contains(c), r.out());
            assertEquals(0, run(c, "--help").code());
        }
    }
}
