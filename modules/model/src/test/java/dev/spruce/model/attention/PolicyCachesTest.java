package dev.spruce.model.attention;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.spruce.checkpoint.SharedData;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.kernels.KernelProvider;
import dev.spruce.model.BatchDecoder;
import dev.spruce.model.KvCache;
import dev.spruce.model.KvCacheType;
import dev.spruce.model.LlamaModel;
import dev.spruce.model.Session;
import dev.spruce.model.Transformer;
import dev.spruce.model.WorkerPool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Double Sparsity, H2O and MiKV on stories260K: limits that equal dense, and prefill equal to decoding. */
class PolicyCachesTest {

    private static final int CONTEXT = 96;
    private static WorkerPool pool;
    private static LlamaModel model;
    private static Transformer transformer;

    @BeforeAll
    static void load() throws IOException {
        pool = WorkerPool.create(2);
        model = LlamaModel.load(SharedData.stories260kHf(), KernelProvider.get());
        transformer = new Transformer(model, pool);
    }

    @AfterAll
    static void close() {
        model.close();
        pool.close();
    }

    private static int[] tokens(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = 3 + r.nextInt(model.config().vocabSize() - 3);
        }
        return t;
    }

    private static KvCache cache(AttentionSettings s) {
        return s.createCache(model.config(), CONTEXT, KvCacheType.F32, model.kernels());
    }

    /** Logits after every token, the window run as one prefill in chunks of {@code chunk}. */
    private static float[] run(AttentionSettings s, int[] tokens, int chunk) {
        return new Session(transformer, cache(s), chunk).forward(tokens, 0, tokens.length, true);
    }

    /** Logits after every token, fed one decode step at a time. */
    private static float[] decodeOneByOne(AttentionSettings s, int[] tokens) {
        Session session = new Session(transformer, cache(s), 8);
        int vocab = model.config().vocabSize();
        float[] all = new float[tokens.length * vocab];
        for (int i = 0; i < tokens.length; i++) {
            System.arraycopy(session.decode(tokens[i]), 0, all, i * vocab, vocab);
        }
        return all;
    }

    private static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst <= tolerance, what + ": max |Δlogit| = " + worst);
    }

    private static final List<AttentionSettings> POLICIES = List.of(
            AttentionSettings.doubleSparse(DoubleSparsitySettings.of(0.25, 0.5, null)),
            AttentionSettings.doubleSparse(new DoubleSparsitySettings(0.125, 0, 0.25, 0, 4, 1, null)),
            AttentionSettings.h2o(H2oSettings.of(0.25)),
            AttentionSettings.mikv(MikvSettings.of(0.2, HighPrecision.BF16, 2)),
            AttentionSettings.mikv(new MikvSettings(H2oSettings.of(0.3), HighPrecision.INT8, 3, 8, false)));

    /** Teacher forcing: a prefill applies the policy at every position exactly as decoding does. */
    @Test
    void prefillEqualsDecodingPositionByPosition() {
        int[] t = tokens(CONTEXT, 11);
        for (AttentionSettings s : POLICIES) {
            // Batched and single-token projections round differently (1e-7 relative); a 2-bit grid
            // turns that into a code flipping now and then, so MiKV gets a looser bound.
            double tolerance = s.mikv() == null ? 1e-4 : 3e-3;
            float[] stepwise = decodeOneByOne(s, t);
            assertClose(stepwise, run(s, t, 32), tolerance, s.describe() + " prefill of 32");
            assertClose(stepwise, run(s, t, 7), tolerance, s.describe() + " prefill of 7");
        }
    }

    /** A batched decode step over sessions with different policies gives each session's own decode. */
    @Test
    void batchedDecodeOverMixedPoliciesEqualsDecodingAlone() {
        int[] t = tokens(40, 21);
        List<AttentionSettings> mixed = List.of(AttentionSettings.DENSE, POLICIES.get(0), POLICIES.get(2), POLICIES.get(3));
        List<Session> sessions = new ArrayList<>();
        for (AttentionSettings s : mixed) {
            sessions.add(new Session(transformer, cache(s), 8));
        }
        BatchDecoder batch = new BatchDecoder(transformer, mixed.size(), CONTEXT);
        int vocab = model.config().vocabSize();
        float[] last = null;
        for (int token : t) {
            int[] step = new int[mixed.size()];
            Arrays.fill(step, token);
            last = batch.decode(sessions, step);
        }
        for (int s = 0; s < mixed.size(); s++) {
            float[] alone = decodeOneByOne(mixed.get(s), t);
            float[] expected = Arrays.copyOfRange(alone, (t.length - 1) * vocab, t.length * vocab);
            float[] actual = Arrays.copyOfRange(last, s * vocab, (s + 1) * vocab);
            assertClose(expected, actual, mixed.get(s).mikv() == null ? 1e-4 : 3e-3, mixed.get(s).describe() + " batched");
        }
    }

    /** The limits that keep everything: every policy then computes dense attention. */
    @Test
    void fullBudgetsEqualDense() {
        int[] t = tokens(CONTEXT, 5);
        float[] dense = run(AttentionSettings.DENSE, t, 16);
        List<String> notices = new ArrayList<>();
        AttentionSettings everyToken = AttentionSettings.doubleSparse(
                new DoubleSparsitySettings(1, CONTEXT, 0.5, 0, 16, 2, null)).withNotices(notices::add);
        assertClose(dense, run(everyToken, t, 16), 0, "double sparsity with k = context");
        assertEquals(1, notices.size(), "the dense fallback is said once: " + notices);
        assertTrue(notices.get(0).contains("k = " + CONTEXT + " covers all"), notices.get(0));
        assertClose(dense, run(AttentionSettings.h2o(H2oSettings.of(1)), t, 16), 1e-5, "h2o with a full budget");
        assertClose(dense, run(AttentionSettings.mikv(MikvSettings.of(1, HighPrecision.F32, 2)), t, 16), 1e-5,
                "mikv with everything in high precision");
    }

    /** Sparse policies change the logits, more at smaller budgets, but keep most of the argmax. */
    @Test
    void sparsePoliciesStayNearDense() {
        int[] t = tokens(CONTEXT, 3);
        float[] dense = run(AttentionSettings.DENSE, t, 16);
        double half = agreement(dense, run(AttentionSettings.doubleSparse(DoubleSparsitySettings.of(0.5, 0.5, null)), t, 16));
        double h2o = agreement(dense, run(AttentionSettings.h2o(H2oSettings.of(0.2)), t, 16));
        assertTrue(half > 0.8, "double sparsity at 1/2 agrees on " + half);
        assertTrue(h2o < 1, "h2o at 20% must change something");
    }

    private static double agreement(float[] a, float[] b) {
        int vocab = model.config().vocabSize();
        int n = a.length / vocab;
        int same = 0;
        for (int i = 0; i < n; i++) {
            if (model.kernels().argmax(a, i * vocab, (i + 1) * vocab) == model.kernels().argmax(b, i * vocab, (i + 1) * vocab)) {
                same++;
            }
        }
        return (double) same / n;
    }

    @Test
    void mikvHoldsFarLessThanBf16() {
        ModelConfig c = model.config();
        long bf16 = KvCacheType.BF16.create(c, 1024, model.kernels()).bytes();
        KvCache mikv = AttentionSettings.mikv(new MikvSettings(H2oSettings.of(0.2), HighPrecision.INT8, 2, 64, true))
                .createCache(c, 1024, KvCacheType.F32, model.kernels());
        // heads of 8 make one quantisation group per row, whose F16 scale and zero cost 4 bytes:
        // per position 0.2 × 12 + 0.8 × 6 bytes per head row against BF16's 16, plus H2O's
        // bookkeeping (a position and a mass per head of the group, for every high-precision slot)
        assertTrue(mikv.bytes() * 1.8 < bf16, "mikv " + mikv.bytes() + " vs bf16 " + bf16);
    }

    @Test
    void calibrationRoundTripsAndRefusesAnotherModel(@TempDir Path dir) throws IOException {
        ChannelCalibrator calibrator = new ChannelCalibrator(model.config(), 64, model.kernels());
        new Session(transformer, calibrator, 16).forward(tokens(64, 9), 0, 64, false);
        ChannelCalibration qk = calibrator.result(ChannelCalibration.Mode.QK, null);
        Path file = dir.resolve("channels.json");
        qk.write(file);
        ChannelCalibration back = ChannelCalibration.read(file);
        assertArrayEquals(qk.order(3, 5), back.order(3, 5));
        ChannelCalibration k = calibrator.result(ChannelCalibration.Mode.K, null);
        assertArrayEquals(k.order(1, 2), k.order(1, 3), "in k mode the heads of a group share a list");

        ModelConfig other = dev.spruce.model.TinyModels.config(dev.spruce.checkpoint.config.ModelFamily.LLAMA, 32, 4, 4,
                2, 61, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AttentionSettings
                .doubleSparse(DoubleSparsitySettings.of(0.5, 0.5, back)).createCache(other, 16, KvCacheType.F32,
                        model.kernels()));
        assertTrue(e.getMessage().contains("5 layers, 8 heads"), e.getMessage());

        Files.writeString(file, Files.readString(file).replaceFirst("\\[ 0,", "[ 99,").replaceFirst("\\[0,", "[99,"));
        Files.writeString(dir.resolve("broken.json"), "{\"format\": \"spruce.attention-channels\", \"mode\": \"qk\"}");
        assertThrows(IOException.class, () -> ChannelCalibration.read(dir.resolve("broken.json")));
    }

    @Test
    void ratiosOutsideTheUnitIntervalAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> DoubleSparsitySettings.of(0, 0.5, null));
        assertThrows(IllegalArgumentException.class, () -> DoubleSparsitySettings.of(0.5, 1.5, null));
        assertThrows(IllegalArgumentException.class, () -> H2oSettings.of(-0.1));
        assertThrows(IllegalArgumentException.class, () -> MikvSettings.of(Double.NaN, HighPrecision.BF16, 4));
        assertThrows(IllegalArgumentException.class, () -> MikvSettings.of(0.2, HighPrecision.BF16, 5));
    }
}
