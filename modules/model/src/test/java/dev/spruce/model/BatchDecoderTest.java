package dev.spruce.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.spruce.checkpoint.SharedData;

/**
 * Batched decode of several sessions at different positions against decoding each alone, on
 * stories260K: equal to 1e-5 of the largest logit (the tolerance of prefill against decode, since a
 * batch runs the matrix × batch kernel, which sums in another order than matrix × vector).
 */
class BatchDecoderTest {

    private static Engine engine;

    @BeforeAll
    static void open() throws IOException {
        engine = Engine.open(SharedData.stories260kHf(), new Engine.Options(2, KvCacheType.F32, 0, 16));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    /**
     * The exact cache agrees to 1e-5; a BF16 or F16 cache may round a key one way alone and the
     * other way in a batch (its input differs in the last bit), so those agree to 1e-4.
     */
    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void batchedStepsGiveTheLogitsOfSeparateSteps(KvCacheType kv) {
        double tolerance = kv == KvCacheType.F32 ? 1e-5 : 1e-4;
        int[] promptLengths = {3, 40, 17, 1, 90};
        int steps = 12;
        SplittableRandom random = new SplittableRandom(8);
        int vocab = engine.model().config().vocabSize();
        int[][] prompts = new int[promptLengths.length][];
        int[][] fed = new int[promptLengths.length][steps];
        for (int s = 0; s < prompts.length; s++) {
            prompts[s] = random.ints(promptLengths[s], 0, vocab).toArray();
            fed[s] = random.ints(steps, 0, vocab).toArray();
        }

        float[][][] alone = new float[prompts.length][steps][];
        for (int s = 0; s < prompts.length; s++) {
            try (Session session = newSession(kv)) {
                session.forward(prompts[s], 0, prompts[s].length, false);
                for (int t = 0; t < steps; t++) {
                    alone[s][t] = session.decode(fed[s][t]);
                }
            }
        }

        BatchDecoder decoder = BatchDecoder.of(engine, prompts.length);
        List<Session> sessions = new ArrayList<>();
        try {
            for (int s = 0; s < prompts.length; s++) {
                Session session = newSession(kv);
                sessions.add(session);
                session.forward(prompts[s], 0, prompts[s].length, false);
            }
            for (int t = 0; t < steps; t++) {
                int[] tokens = new int[prompts.length];
                for (int s = 0; s < prompts.length; s++) {
                    tokens[s] = fed[s][t];
                }
                float[] logits = decoder.decode(sessions, tokens);
                for (int s = 0; s < prompts.length; s++) {
                    float[] row = Arrays.copyOfRange(logits, s * vocab, (s + 1) * vocab);
                    TransformerTest.assertClose(alone[s][t], row, tolerance, "session " + s + ", step " + t);
                    assertEquals(promptLengths[s] + t + 1, sessions.get(s).position());
                }
            }
        } finally {
            sessions.forEach(Session::close);
        }
    }

    /** Sequences join and leave the batch between steps, as in a server. */
    @Test
    void sequencesJoinAndLeaveBetweenSteps() {
        int vocab = engine.model().config().vocabSize();
        int[] a = {1, 400, 30, 22};
        int[] b = {1, 7, 9};
        float[] aloneA2;
        float[] aloneB1;
        try (Session s = newSession(KvCacheType.F32)) {
            s.forward(a, 0, a.length, false);
            s.decode(5);
            aloneA2 = s.decode(6);
        }
        try (Session s = newSession(KvCacheType.F32)) {
            s.forward(b, 0, b.length, false);
            aloneB1 = s.decode(11);
        }
        BatchDecoder decoder = BatchDecoder.of(engine, 4);
        try (Session sa = newSession(KvCacheType.F32); Session sb = newSession(KvCacheType.F32)) {
            sa.forward(a, 0, a.length, false);
            float[] one = decoder.decode(List.of(sa), new int[] {5});
            sb.forward(b, 0, b.length, false);
            float[] two = decoder.decode(List.of(sb, sa), new int[] {11, 6});
            assertEquals(vocab, one.length);
            TransformerTest.assertClose(aloneB1, Arrays.copyOfRange(two, 0, vocab), 1e-5, "joined");
            TransformerTest.assertClose(aloneA2, Arrays.copyOfRange(two, vocab, 2 * vocab), 1e-5, "continued");
        }
    }

    /**
     * Chunked prefill: a prompt goes through in chunks that ride along with other sequences' decode
     * steps. Its logits, and those of the next token it decodes alone, agree with a prefill alone
     * (chunked otherwise) as batched steps agree with single ones.
     */
    @Test
    void promptChunksRideAlongWithDecodeSteps() {
        int vocab = engine.model().config().vocabSize();
        SplittableRandom random = new SplittableRandom(21);
        int[] prompt = random.ints(37, 0, vocab).toArray();
        int[] b = {1, 7, 9, 300, 5};
        int[] c = random.ints(12, 0, vocab).toArray();
        float[] aloneA;
        float[] aloneA1;
        float[][] aloneB = new float[2][];
        float[][] aloneC = new float[2][];
        try (Session s = newSession(KvCacheType.F32)) {
            aloneA = s.forward(prompt, 0, prompt.length, false);
            aloneA1 = s.decode(42);
        }
        try (Session s = newSession(KvCacheType.F32)) {
            s.forward(b, 0, b.length, false);
            aloneB[0] = s.decode(11);
            aloneB[1] = s.decode(12);
        }
        try (Session s = newSession(KvCacheType.F32)) {
            s.forward(c, 0, c.length, false);
            aloneC[0] = s.decode(21);
            aloneC[1] = s.decode(22);
        }
        BatchDecoder decoder = BatchDecoder.of(engine, 24);
        try (Session sa = newSession(KvCacheType.F32); Session sb = newSession(KvCacheType.F32);
             Session sc = newSession(KvCacheType.F32)) {
            sb.forward(b, 0, b.length, false);
            sc.forward(c, 0, c.length, false);
            // Pass 1: B's next token, the first 20 prompt tokens of A (no logits), C's next token.
            List<Session> rows = new ArrayList<>();
            List<Integer> tokens = new ArrayList<>();
            rows.add(sb);
            tokens.add(11);
            for (int i = 0; i < 20; i++) {
                rows.add(sa);
                tokens.add(prompt[i]);
            }
            rows.add(sc);
            tokens.add(21);
            boolean[] flags = new boolean[rows.size()];
            flags[0] = true;
            flags[rows.size() - 1] = true;
            float[] first = decoder.forward(rows, tokens.stream().mapToInt(Integer::intValue).toArray(), flags);
            assertEquals(2 * vocab, first.length);
            TransformerTest.assertClose(aloneB[0], Arrays.copyOfRange(first, 0, vocab), 1e-5, "B beside a chunk");
            TransformerTest.assertClose(aloneC[0], Arrays.copyOfRange(first, vocab, 2 * vocab), 1e-5, "C beside a chunk");
            assertEquals(20, sa.position());

            // Pass 2: the last 17 prompt tokens of A (logits after the last), then B and C.
            rows.clear();
            tokens.clear();
            for (int i = 20; i < prompt.length; i++) {
                rows.add(sa);
                tokens.add(prompt[i]);
            }
            rows.add(sb);
            tokens.add(12);
            rows.add(sc);
            tokens.add(22);
            flags = new boolean[rows.size()];
            flags[16] = true;
            flags[17] = true;
            flags[18] = true;
            float[] second = decoder.forward(rows, tokens.stream().mapToInt(Integer::intValue).toArray(), flags);
            TransformerTest.assertClose(aloneA, Arrays.copyOfRange(second, 0, vocab), 1e-5, "A's prompt in two chunks");
            TransformerTest.assertClose(aloneB[1], Arrays.copyOfRange(second, vocab, 2 * vocab), 1e-5, "B");
            TransformerTest.assertClose(aloneC[1], Arrays.copyOfRange(second, 2 * vocab, 3 * vocab), 1e-5, "C");
            assertEquals(prompt.length, sa.position());
            assertEquals(b.length + 2, sb.position());
            TransformerTest.assertClose(aloneA1, decoder.decode(List.of(sa), new int[] {42}), 1e-5, "A decodes on alone");
        }
    }

    @Test
    void refusesRowsOfASessionThatAreNotAdjacent() {
        BatchDecoder decoder = BatchDecoder.of(engine, 4);
        try (Session s1 = newSession(KvCacheType.F32); Session s2 = newSession(KvCacheType.F32)) {
            assertThrows(IllegalArgumentException.class,
                    () -> decoder.forward(List.of(s1, s2, s1), new int[] {1, 1, 1}, new boolean[3]));
            assertEquals(0, s1.position());
        }
    }

    @Test
    void oneSessionIsExactlyADecodeStep() {
        int[] prompt = {1, 300, 12, 90, 4};
        float[] alone;
        try (Session s = newSession(KvCacheType.F32)) {
            s.forward(prompt, 0, prompt.length, false);
            alone = s.decode(77);
        }
        try (Session s = newSession(KvCacheType.F32)) {
            s.forward(prompt, 0, prompt.length, false);
            assertArrayEquals(alone, BatchDecoder.of(engine, 3).decode(List.of(s), new int[] {77}));
        }
    }

    @Test
    void refusesTooManySessionsAndFullOnes() {
        BatchDecoder decoder = BatchDecoder.of(engine, 1);
        try (Session s1 = newSession(KvCacheType.F32); Session s2 = newSession(KvCacheType.F32)) {
            assertThrows(IllegalArgumentException.class, () -> decoder.decode(List.of(s1, s2), new int[] {1, 1}));
        }
        Session small = new Session(engine.transformer(),
                KvCacheType.F32.create(engine.model().config(), 2, engine.model().kernels()), 4);
        small.forward(new int[] {1, 2}, 0, 2, false);
        assertThrows(IllegalArgumentException.class, () -> decoder.decode(List.of(small), new int[] {3}));
    }

    private static Session newSession(KvCacheType kv) {
        return new Session(engine.transformer(), kv.create(engine.model().config(), engine.context(),
                engine.model().kernels()), 16);
    }
}
