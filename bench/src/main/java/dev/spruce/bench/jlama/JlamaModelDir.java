package dev.spruce.bench.jlama;

import dev.spruce.checkpoint.CheckpointWriter;
import dev.spruce.checkpoint.DType;
import dev.spruce.checkpoint.WriteProgress;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.synth.SyntheticCheckpoint;
import dev.spruce.checkpoint.synth.SyntheticPreset;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A directory Jlama can load a checkpoint from. Jlama will not start without a Hugging Face
 * {@code tokenizer.json}; checkpoints converted from llama2.c (such as stories260K) have none.
 * Logits depend on token ids only, so any tokenizer of the right vocabulary size serves: the one a
 * synthetic checkpoint of that size comes with.
 */
public final class JlamaModelDir {

    static final String TOKENIZER = "tokenizer.json";
    private static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    /** Largest synthetic checkpoint written just to obtain its tokenizer. */
    private static final long MAX_DONOR_PARAMETERS = 10_000_000;

    private JlamaModelDir() {
    }

    /**
     * Returns {@code dir} itself when it has a tokenizer.json; otherwise (re)creates the directory
     * {@code scratch} with symbolic links to the files of {@code dir} plus the tokenizer of a small
     * synthetic checkpoint with the same vocabulary size, and returns {@code scratch}.
     *
     * @throws IOException when no small synthetic preset has the vocabulary size of {@code dir}
     */
    public static Path prepare(Path dir, Path scratch) throws IOException {
        if (Files.isRegularFile(dir.resolve(TOKENIZER))) {
            return dir;
        }
        ModelConfig config = ModelConfig.read(dir);
        SyntheticCheckpoint.Options donor = donorOptions(config.vocabSize(), dir);
        if (Files.exists(scratch)) {
            deleteTree(scratch);
        }
        Files.createDirectories(scratch);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                Files.createSymbolicLink(scratch.resolve(f.getFileName()), f.toAbsolutePath());
            }
        }
        Path donorDir = scratch.resolve(".tokenizer-donor");
        SyntheticCheckpoint.write(donor, donorDir, WriteProgress.NONE);
        try {
            Files.copy(donorDir.resolve(TOKENIZER), scratch.resolve(TOKENIZER));
            if (!Files.exists(scratch.resolve(TOKENIZER_CONFIG))) {
                Files.copy(donorDir.resolve(TOKENIZER_CONFIG), scratch.resolve(TOKENIZER_CONFIG));
            }
        } finally {
            deleteTree(donorDir);
        }
        return scratch;
    }

    private static SyntheticCheckpoint.Options donorOptions(int vocab, Path dir) throws IOException {
        return Arrays.stream(SyntheticPreset.values())
                .map(p -> new SyntheticCheckpoint.Options(p, DType.F32, 0, 0, CheckpointWriter.DEFAULT_SHARD_BYTES, false))
                .filter(o -> o.preset().config(o.torchDtype(), 0).vocabSize() == vocab)
                .min(Comparator.comparingLong(JlamaModelDir::parameters))
                .filter(o -> parameters(o) <= MAX_DONOR_PARAMETERS)
                .orElseThrow(() -> new IOException(dir + " has no " + TOKENIZER + " and no small synthetic preset has its"
                        + " vocabulary of " + vocab + " tokens to lend one: add a tokenizer.json for Jlama"));
    }

    private static long parameters(SyntheticCheckpoint.Options o) {
        return SyntheticCheckpoint.tensors(o).stream().mapToLong(t -> t.shape().numel()).sum();
    }

    /** Deletes a directory and what it holds; symbolic links are deleted, never followed. */
    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
