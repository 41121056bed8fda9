package dev.spruce.cli;

import static dev.spruce.cli.CliHarness.assertOneLineError;
import static dev.spruce.cli.CliHarness.run;
import static dev.spruce.cli.CliHarness.shared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.spruce.checkpoint.Checkpoint;
import dev.spruce.checkpoint.CheckpointWriter;
import dev.spruce.checkpoint.Tensor;
import dev.spruce.checkpoint.TensorSpec;
import dev.spruce.checkpoint.WriteProgress;
import dev.spruce.cli.CliHarness.Result;

/**
 * {@code spruce pack} on stories260K pruned by Wanda (2:4 and 70 % unstructured): the packed
 * checkpoint generates the same greedy text and the same perplexity as its dense-with-zeros twin,
 * the dense twin runs sparse by itself ({@code --sparse-weights auto}), and corrupt packed files
 * are one-line errors naming the tensor.
 */
class PackCommandTest {

    private static final String Q = "model.layers.1.self_attn.q_proj";

    @TempDir
    static Path tmp;

    static Path pruned24;
    static Path pruned70;

    @BeforeAll
    static void prune() {
        pruned24 = tmp.resolve("w24");
        pruned70 = tmp.resolve("w70");
        for (String[] args : new String[][] {{"--pattern", "2:4", "--out", pruned24.toString()},
                {"--sparsity", "0.7", "--out", pruned70.toString()}}) {
            List<String> all = new ArrayList<>(List.of("prune", "--model", shared("models/stories260K-hf").toString(),
                    "--corpora", shared("corpora").toString(), "--quiet", "--method", "wanda", "--nsamples", "8"));
            all.addAll(List.of(args));
            Result r = run(all.toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
        }
    }

    private static String greedy(Path model, String sparse) {
        Result r = run("generate", "--model", model.toString(), "--prompt", "Once upon a time", "--max-tokens", "48",
                "--sparse-weights", sparse);
        assertEquals(0, r.code(), r.err());
        return r.out();
    }

    private static double perplexity(Path model, String sparse) throws IOException {
        Result r = run("eval", "--model", model.toString(), "--protocol", "ts", "--json", "--quiet",
                "--corpus", shared("corpora/tinystories/TinyStories-valid.first1000.txt").toString(), "--limit", "40",
                "--sparse-weights", sparse);
        assertEquals(0, r.code(), r.err());
        return new ObjectMapper().readTree(r.out()).path("perplexity").asDouble();
    }

    @Test
    void packedCheckpointsRunLikeTheirDenseTwins() throws IOException {
        for (Path pruned : List.of(pruned24, pruned70)) {
            Path packed = tmp.resolve(pruned.getFileName() + "-packed");
            Result r = run("pack", "--model", pruned.toString(), "--out", packed.toString(), "--quiet");
            assertEquals(0, r.code(), r.err());
            boolean twoFour = pruned == pruned24;
            assertTrue(r.out().contains("Packed 35 weights as " + (twoFour ? "sparse-24-bitmask" : "sparse-bitmask")),
                    r.out());
            assertTrue(Files.exists(packed.resolve("tok512.bin")), "the tokenizer is carried over");
            var config = new ObjectMapper().readTree(packed.resolve("config.json").toFile());
            assertEquals(twoFour ? "sparse-24-bitmask" : "sparse-bitmask",
                    config.path("compression_config").path("sparsity_config").path("format").asText());
            try (Checkpoint ck = Checkpoint.open(packed)) {
                assertTrue(ck.tensor(Q + ".weight") == null && ck.tensor(Q + ".compressed") != null);
                assertEquals(twoFour, ck.tensor(Q + ".row_offsets") == null);
            }
            Result inspect = run("inspect", packed.toString());
            assertEquals(0, inspect.code(), inspect.err());
            assertTrue(inspect.out().contains("35 packed weights"), inspect.out());

            String dense = greedy(pruned, "off");
            assertEquals(dense, greedy(packed, "off"), "packed vs dense-with-zeros, greedy");
            assertEquals(dense, greedy(pruned, "auto"), "dense-with-zeros packed at load");
            double expected = perplexity(pruned, "off");
            assertEquals(expected, perplexity(packed, "off"), 1e-4 * expected);
            assertEquals(expected, perplexity(pruned, "on"), 1e-4 * expected);
        }
    }

    @Test
    void packRefusesAPackedCheckpointAndBadFlags() {
        Path packed = tmp.resolve("twice");
        assertEquals(0, run("pack", "--model", pruned70.toString(), "--out", packed.toString(), "--quiet").code());
        assertOneLineError(run("pack", "--model", packed.toString(), "--out", tmp.resolve("x").toString()),
                ExitCode.BAD_INPUT, "is already packed");
        assertOneLineError(run("pack", "--model", pruned70.toString(), "--out", tmp.resolve("y").toString(),
                "--min-sparsity", "0"), ExitCode.BAD_INPUT, "--min-sparsity must be in (0, 1]");
        assertOneLineError(run("generate", "--model", pruned70.toString(), "--prompt", "x", "--sparse-weights", "some"),
                ExitCode.USAGE, "not a sparse weight mode");
        assertFalse(Files.exists(tmp.resolve("x")) || Files.exists(tmp.resolve("y")));
    }

    @Test
    void corruptPackedFilesAreErrorsNamingTheTensor() throws IOException {
        Path sparse = tmp.resolve("corrupt-unstructured");
        Path twoFour = tmp.resolve("corrupt-24");
        assertEquals(0, run("pack", "--model", pruned70.toString(), "--out", sparse.toString(), "--quiet").code());
        assertEquals(0, run("pack", "--model", pruned24.toString(), "--out", twoFour.toString(), "--quiet").code());

        // One more bit in row 0 than it has values.
        Path population = rewrite(sparse, Q + ".bitmask", (t, s) -> flipFirstClearBit(s));
        assertLoadFails(population, Q + ".bitmask", "row 0 has");
        // Row offsets that do not match the bitmask.
        Path offsets = rewrite(sparse, Q + ".row_offsets", (t, s) -> s.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, 1,
                s.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, 1) + 1));
        assertLoadFails(offsets, Q + ".bitmask", "values");
        // A 2:4 group keeping 3 (the row's population unchanged: a bit moves from group 1 into group 0).
        Path overfull = rewrite(twoFour, Q + ".bitmask", (t, s) -> {
            int b = s.get(ValueLayout.JAVA_BYTE, 0) & 0xFF;
            int group0 = b & 0xF;
            int group1 = b >>> 4;
            int free = Integer.lowestOneBit(~group0 & 0xF);
            int drop = Integer.lowestOneBit(group1);
            s.set(ValueLayout.JAVA_BYTE, 0, (byte) ((group0 | free) | ((group1 & ~drop) << 4)));
        });
        assertLoadFails(overfull, Q + ".bitmask", "keep 3 values, more than 2:4 allows");
        // A 2:4 weight whose width is not a multiple of 4 (the bitmask still has 8 bytes a row).
        Path width = rewrite(twoFour, Q + ".shape", (t, s) -> s.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, 1, 62));
        assertLoadFails(width, Q + ".compressed", "not divisible by 4");
    }

    private static void assertLoadFails(Path model, String tensor, String problem) {
        Result r = run("generate", "--model", model.toString(), "--prompt", "Once", "--max-tokens", "2");
        assertOneLineError(r, ExitCode.BAD_INPUT, problem);
        assertTrue(r.err().contains(tensor), r.err());
    }

    private static void flipFirstClearBit(MemorySegment mask) {
        int b = mask.get(ValueLayout.JAVA_BYTE, 0) & 0xFF;
        mask.set(ValueLayout.JAVA_BYTE, 0, (byte) (b | Integer.lowestOneBit(~b & 0xFF)));
    }

    /** A copy of {@code source} whose tensor {@code name} has been edited in place by {@code edit}. */
    private static Path rewrite(Path source, String name, BiConsumer<Tensor, MemorySegment> edit) throws IOException {
        Path out = tmp.resolve(source.getFileName() + "-" + name.substring(name.lastIndexOf('.') + 1) + "-" + System.nanoTime());
        try (Checkpoint ck = Checkpoint.open(source); CheckpointWriter w = CheckpointWriter.create(out, false)) {
            for (String file : List.of("config.json", "tok512.bin")) {
                w.copyFile(source.resolve(file), file);
            }
            List<TensorSpec> specs = ck.tensors().values().stream()
                    .map(t -> new TensorSpec(t.name(), t.dtype(), t.shape())).toList();
            w.writeTensors(specs, (spec, target) -> {
                Tensor t = ck.tensor(spec.name());
                MemorySegment.copy(t.data(), 0, target, 0, spec.byteSize());
                if (spec.name().equals(name)) {
                    edit.accept(t, target);
                }
            }, CheckpointWriter.DEFAULT_SHARD_BYTES, WriteProgress.NONE);
            w.commit();
        }
        return out;
    }
}
