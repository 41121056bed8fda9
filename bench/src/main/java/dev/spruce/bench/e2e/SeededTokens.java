package dev.spruce.bench.e2e;

import java.util.SplittableRandom;

/** Fixed pseudo-random token ids, so every run and every engine sees the same input. */
public final class SeededTokens {

    private SeededTokens() {
    }

    /** {@code count} ids uniform in {@code [0, vocab)}, the same for the same seed. */
    public static int[] ids(long seed, int count, int vocab) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = random.nextInt(vocab);
        }
        return ids;
    }
}
