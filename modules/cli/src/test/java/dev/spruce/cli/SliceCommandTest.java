package dev.spruce.cli;

import static dev.spruce.cli.CliHarness.assertOneLineError;
import static dev.spruce.cli.CliHarness.run;
import static dev.spruce.cli.CliHarness.shared;

import dev.spruce.cli.CliHarness.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.spruce.checkpoint.Checkpoint;
import dev.spruce.checkpoint.CheckpointWriter;
import dev.spruce.checkpoint.Tensor;
import dev.spruce.checkpoint.TensorSpec;
import dev.spruce.checkpoint.WriteProgress;

/** {@code spruce slice} end to end on stories260K, the sliced checkpoint in eval and generate, and bad input. */
class SliceCommandTest {

    @TempDir
    Path tmp;




    private static Result slice(Path model, String... extra) {
        String[] base = {"slice", "--model", model.toString(), "--corpora", shared("corpora").toString(), "--quiet"};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return run(all);
    }

    @Test
    void slicedCheckpointLoadsInEvalAndGenerate() throws IOException {
        Path out = tmp.resolve("sliced25");
        Result r = slice(shared("models/stories260K-hf"), "--slicing", "0.25", "--nsamples", "8", "--eval", "ts",
                "--eval-limit", "8", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode sidecar = new ObjectMapper().readTree(out.resolve("spruce.json").toFile());
        JsonNode sc = sidecar.path("slicing_config");
        assertEquals(64, sc.path("hidden_size").asInt());
        assertEquals(5, sc.path("layers_num").asInt());
        assertFalse(sc.path("do_slice_head").asBoolean(true));
        assertEquals(48, sc.path("embedding_dimensions").path("0").asInt());
        assertEquals(48, sc.path("attention_input_dimensions").path("4").asInt());
        assertEquals(48, sc.path("attention_output_dimensions").path("4").asInt());
        assertEquals(48, sc.path("mlp_input_dimensions").path("0").asInt());
        assertEquals(64, sc.path("mlp_output_dimensions").path("4").asInt());
        assertEquals(64, sc.path("head_dimension").asInt());
        assertEquals(260_032, sidecar.path("parameters").path("before").path("total").asLong());
        assertEquals(253_824, sidecar.path("parameters").path("after").path("total").asLong());
        assertEquals(23_808, sidecar.path("parameters").path("after").path("shortcuts").asLong());
        assertEquals("tinystories", sidecar.path("calibration").path("dataset").asText());
        assertEquals(8, sidecar.path("calibration").path("nsamples").asInt());
        assertEquals(256, sidecar.path("calibration").path("seqlen").asInt());
        assertTrue(Files.isRegularFile(out.resolve("slice-report.md")));
        assertTrue(Files.isRegularFile(out.resolve("slice-report.json")));
        double dense = sidecar.path("perplexity").path("before").asDouble();
        double sliced = sidecar.path("perplexity").path("after").asDouble();
        assertTrue(dense > 1 && sliced > dense && sliced < 10 * dense, dense + " → " + sliced);

        // the written checkpoint loads and measures what the run measured in memory
        Result eval = run("eval", "--model", out.toString(), "--corpus",
                shared("corpora/tinystories/TinyStories-valid.first1000.txt").toString(), "--limit", "8", "--json");
        assertEquals(0, eval.code(), eval.err());
        assertEquals(sliced, new ObjectMapper().readTree(eval.out()).path("perplexity").asDouble(), 1e-6 * sliced);
        Result gen = run("generate", "--model", out.toString(), "--prompt", "Once upon a time", "--max-tokens", "8");
        assertEquals(0, gen.code(), gen.err());
        assertTrue(gen.out().startsWith("Once upon a time") && gen.out().length() > "Once upon a time".length(),
                gen.out());

        // slicing it again is refused, naming what it is
        assertOneLineError(slice(out, "--slicing", "0.1", "--out", tmp.resolve("again").toString()), ExitCode.BAD_INPUT,
                "already sliced (residual 48 of 64 wide; spruce.json: slicing 0.25)");
        assertFalse(Files.exists(tmp.resolve("again")));
        // and so is pruning it
        Result prune = run("prune", "--model", out.toString(), "--corpora", shared("corpora").toString(), "--method",
                "wanda", "--sparsity", "0.5", "--out", tmp.resolve("pruned").toString());
        assertOneLineError(prune, ExitCode.BAD_INPUT, "is a sliced (SliceGPT) checkpoint");
        assertFalse(Files.exists(tmp.resolve("pruned")));
    }


    @Test
    void badInputIsOneLineAndWritesNothing() throws IOException {
        Path model = shared("models/stories260K-hf");
        Path out = tmp.resolve("never");
        for (String s : new String[] {"1", "1.5", "-0.1"}) {
            assertOneLineError(slice(model, "--slicing", s, "--out", out.toString()), ExitCode.BAD_INPUT,
                    "slicing must be in [0, 1)");
        }
        assertOneLineError(slice(model, "--slicing", "a quarter", "--out", out.toString()), ExitCode.BAD_INPUT,
                "is not a number");
        assertOneLineError(slice(model, "--slicing", "0.9", "--out", out.toString()), ExitCode.BAD_INPUT,
                "leaves d' = floor((1 - 0.9)·64 / 8)·8 = 0 dimensions; at least 8 must remain");
        assertOneLineError(slice(model, "--slicing", "0.25", "--nsamples", "2000", "--seqlen", "512", "--out",
                out.toString()), ExitCode.BAD_INPUT, "more than the calibration text");
        assertOneLineError(run("slice", "--model", model.toString(), "--out", out.toString()), ExitCode.USAGE,
                "--slicing");
        assertFalse(Files.exists(out), "nothing written on bad input");

        Path taken = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(taken.resolve("keep.txt"), "mine");
        assertOneLineError(slice(model, "--slicing", "0.25", "--out", taken.toString()), ExitCode.CANNOT_WRITE,
                "--force");
        assertEquals("mine", Files.readString(taken.resolve("keep.txt")));
        assertOneLineError(slice(model, "--slicing", "0.25", "--force", "--out", model.toString()), ExitCode.BAD_INPUT,
                "is the source checkpoint");
    }

    @Test
    void modelsWhoseNormsCannotBeFusedAreRefused() throws IOException {
        Path source = shared("models/stories260K-hf");
        // a norm scale that is not a number cannot be folded into the linears that read it
        Path broken = tmp.resolve("inf-norm");
        try (Checkpoint real = Checkpoint.open(source);
             CheckpointWriter w = CheckpointWriter.create(broken, false)) {
            w.copyFile(source.resolve("config.json"), "config.json");
            w.copyFile(source.resolve("tok512.bin"), "tok512.bin");
            var specs = real.tensors().values().stream().map(t -> new TensorSpec(t.name(), t.dtype(), t.shape())).toList();
            w.writeTensors(specs, (spec, target) -> {
                MemorySegment.copy(real.tensor(spec.name()).data(), 0, target, 0, spec.byteSize());
                if (spec.name().equals("model.layers.2.input_layernorm.weight")) {
                    target.setAtIndex(Tensor.F32, 5, Float.POSITIVE_INFINITY);
                }
            }, CheckpointWriter.DEFAULT_SHARD_BYTES, WriteProgress.NONE);
            w.commit();
        }
        assertOneLineError(slice(broken, "--slicing", "0.25", "--out", tmp.resolve("a").toString()), ExitCode.BAD_INPUT,
                "model.layers.2.input_layernorm.weight holds a non-finite scale (Infinity at index 5): it cannot be"
                        + " folded into q/k/v");

        // a model type whose blocks Spruce does not know (Gemma scales its norms by 1 + w) is refused at load
        Path gemma = Files.createDirectories(tmp.resolve("gemma"));
        Files.writeString(gemma.resolve("config.json"), Files.readString(source.resolve("config.json"))
                .replace("\"model_type\": \"llama\"", "\"model_type\": \"gemma\""));
        Files.copy(source.resolve("model.safetensors"), gemma.resolve("model.safetensors"));
        assertOneLineError(slice(gemma, "--slicing", "0.25", "--out", tmp.resolve("b").toString()), ExitCode.BAD_INPUT,
                "unsupported model_type 'gemma'");
        assertFalse(Files.exists(tmp.resolve("a")) || Files.exists(tmp.resolve("b")));
    }

    @Test
    void helpExplainsMemoryAndEveryFlag() {
        Result r = run("slice", "--help");
        assertEquals(0, r.code());
        for (String flag : new String[] {"--slicing", "--calib", "--nsamples", "--seqlen", "--seed", "--windows",
                "--eval", "--eval-limit", "--corpora", "--chunk", "--out", "--force", "Memory", "attn_shortcut_Q"}) {
            assertTrue(r.out().contains(flag), flag + " in\n" + r.out());
        }
    }
}
