package dev.spruce.bench.jlama;

import dev.spruce.bench.e2e.SeededTokens;
import dev.spruce.bench.e2e.SpruceSession;
import dev.spruce.checkpoint.CheckpointWriter;
import dev.spruce.checkpoint.DType;
import dev.spruce.checkpoint.SharedData;
import dev.spruce.checkpoint.WriteProgress;
import dev.spruce.checkpoint.synth.SyntheticCheckpoint;
import dev.spruce.checkpoint.synth.SyntheticPreset;
import dev.spruce.kernels.KernelProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spruce and Jlama, two independent engines, must compute the same logits at every position of the
 * same 64 seeded token ids, to {@code max|a - b| <= 1e-4 * max|b|} per position. Jlama runs its
 * prefill ({@code batchForward}) with F32 activations ({@link JlamaActivations#F32}: as shipped it
 * rounds them to BF16 for BF16 checkpoints); Spruce runs a prefill in chunks that do not divide 64,
 * then the same tokens again as 64 decode steps.
 */
class SpruceJlamaLogitsTest {

    private static final int TOKENS = 64;
    private static final double TOLERANCE = 1e-4;
    /** Prefill chunk: 64 = 24 + 24 + 16 crosses chunk boundaries mid-sequence. */
    private static final int CHUNK = 24;
    private static final long SEED = 20_240_601;

    @TempDir
    Path tmp;

    /**
     * Jlama switches the Vector API's bounds checks off for the whole JVM (a system property its
     * provider sets when first loaded, read once when the Vector API initialises). Running a Spruce
     * kernel first keeps them on, so Spruce is tested as it runs everywhere else.
     */
    @BeforeAll
    static void keepVectorBoundsChecks() {
        float[] x = new float[64];
        KernelProvider.get().dot(x, 0, x, 0, x.length);
    }

    /**
     * The real stories260K (F32, GQA 8/4 heads, head_dim 8). Jlama gets a copy with its MLP width
     * padded from 172 to 176 (see {@link PaddedMlpCheckpoint}) and a borrowed tokenizer.json.
     */
    @Test
    void stories260kHf() throws IOException {
        Path padded = PaddedMlpCheckpoint.write(SharedData.stories260kHf(), 8, tmp.resolve("stories260K-padded"));
        compare(SharedData.stories260kHf(), JlamaModelDir.prepare(padded, tmp.resolve("stories260K-jlama")));
    }

    /** All 30 layers and the 49,152-token tied head of SmolLM2-135M, BF16, seeded weights. */
    @Test
    void syntheticSmollm2Bf16() throws IOException {
        Path dir = tmp.resolve("smollm2-135m");
        SyntheticCheckpoint.write(new SyntheticCheckpoint.Options(SyntheticPreset.SMOLLM2_135M, DType.BF16, 7, 0,
                CheckpointWriter.DEFAULT_SHARD_BYTES, false), dir, WriteProgress.NONE);
        compare(dir, dir);
    }

    private static void compare(Path dir, Path jlamaDir) throws IOException {
        float[] jlama;
        int vocab;
        try (JlamaSession j = JlamaSession.open(jlamaDir, JlamaActivations.F32)) {
            vocab = j.vocabSize();
            jlama = j.forward(SeededTokens.ids(SEED, TOKENS, vocab), 0, TOKENS, true);
        }
        int[] tokens = SeededTokens.ids(SEED, TOKENS, vocab);
        try (SpruceSession spruce = SpruceSession.open(dir, 2, TOKENS, CHUNK)) {
            LogitsAgreement prefill = LogitsAgreement.worst(jlama, spruce.forward(tokens, 0, TOKENS, true), 0, vocab);
            report(dir, "Spruce prefill vs Jlama prefill", prefill);
            spruce.reset();
            LogitsAgreement decode = null;
            for (int p = 0; p < TOKENS; p++) {
                LogitsAgreement step = LogitsAgreement.worst(jlama, spruce.decode(tokens[p]), p, vocab);
                decode = decode == null || step.ratio() > decode.ratio() ? step : decode;
            }
            report(dir, "Spruce decode steps vs Jlama prefill", decode);
            assertTrue(prefill.ratio() <= TOLERANCE, dir + ": Spruce prefill disagrees with Jlama, " + prefill.describe());
            assertTrue(decode.ratio() <= TOLERANCE, dir + ": Spruce decode disagrees with Jlama, " + decode.describe());
        }
    }

    private static void report(Path dir, String what, LogitsAgreement a) {
        System.out.println(dir.getFileName() + ": " + what + ", " + a.describe());
    }
}
