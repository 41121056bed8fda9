package dev.spruce.model.attention;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** H2O's slot bookkeeping and the label cache, by hand. */
class HeavyHitterSlotsTest {

    @Test
    void evictsTheLightestOutsideTheRecentWindow() {
        HeavyHitterSlots s = new HeavyHitterSlots(3, 1);
        for (int p = 0; p < 3; p++) {
            assertEquals(p, s.admit(p));
            assertEquals(-1, s.evicted());
        }
        // two query heads of the group (rows 1 and 2; row 0 is another group's)
        s.accumulate(new float[][] {{9, 9, 9}, {0.5f, 0.1f, 0.4f}, {0.1f, 0.2f, 0.0f}}, 1, 2);
        // group sums: position 0 → 0.6, 1 → 0.3, 2 → 0.4: position 1 goes
        assertEquals(1, s.admit(3));
        assertEquals(1, s.evicted());
        assertEquals(3, s.position(1));
        // position 3 now has mass 0; with recent = 1 position 4 arrives, 3 is outside the window: 3 goes
        assertEquals(1, s.admit(4));
        assertEquals(3, s.evicted());
    }

    @Test
    void aWindowAsLargeAsTheBudgetSlidesOverTheOldest() {
        HeavyHitterSlots s = new HeavyHitterSlots(2, 2);
        s.admit(0);
        s.admit(1);
        s.accumulate(new float[][] {{0.9f, 0.1f}}, 0, 1);
        s.admit(2);
        assertEquals(0, s.evicted());
    }

    @Test
    void fourBitLabelsScoreFromTheQuantisedChannels() {
        // head of 4 channels, labels keep channels 2 and 0; key = (1, 9, 3, 9): label (3, 1)
        LabelCache exact = new LabelCache(new int[] {2, 0}, 4, 16);
        LabelCache quantised = new LabelCache(new int[] {2, 0}, 4, 4);
        float[] key = {1, 9, 3, 9};
        exact.store(0, key, 0);
        quantised.store(0, key, 0);
        float[] q = {10, 0, 1, 0};   // label of the query: (1, 10) → score 1·3 + 10·1 = 13
        float[] scores = new float[1];
        exact.score(dev.spruce.kernels.AttentionKernelProvider.get(), q, 0, 1, new float[2], scores);
        assertArrayEquals(new float[] {13}, scores);
        // two values span [1, 3]: min 1, step 2/15, codes 15 and 0 give back 3 and 1 exactly
        quantised.score(dev.spruce.kernels.AttentionKernelProvider.get(), q, 0, 1, new float[2], scores);
        assertEquals(13, scores[0], 1e-5);
        assertEquals(1 + 8, quantised.bytesPerPosition(), "two 4-bit codes in a byte, a float scale and minimum");
        assertEquals(8, exact.bytesPerPosition());
    }
}
