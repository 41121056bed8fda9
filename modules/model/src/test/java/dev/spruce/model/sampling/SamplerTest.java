package dev.spruce.model.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import dev.spruce.kernels.KernelProvider;

class SamplerTest {

    private static int sample(SamplingSettings s, float[] logits, int... history) {
        return new Sampler(s, KernelProvider.get()).next(logits.clone(), logits.length, history, history.length);
    }

    @Test
    void greedyTakesTheLargestLogit() {
        assertEquals(2, sample(SamplingSettings.GREEDY, new float[] {0.1f, 1f, 3f, 2.9f}));
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        // Token 2 (3.0) was seen: 3.0 / 2 = 1.5 < 2.9, so token 3 wins.
        SamplingSettings penalised = new SamplingSettings(0, 0, 1, 2.0, 0);
        assertEquals(3, sample(penalised, new float[] {0.1f, 1f, 3f, 2.9f}, 2));
        // A negative logit gets more negative: -0.5 * 2 = -1 < -0.9.
        assertEquals(1, sample(penalised, new float[] {-0.5f, -0.9f}, 0));
    }

    @Test
    void topKOfOneIsGreedyAtAnyTemperature() {
        SamplingSettings s = new SamplingSettings(5.0, 1, 1, 1, 7);
        for (int i = 0; i < 50; i++) {
            assertEquals(2, new Sampler(s, KernelProvider.get()).next(new float[] {0f, 1f, 1.2f}, 3, new int[0], 0));
        }
    }

    @Test
    void drawsFollowTheSoftmaxAndTheSeed() {
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2)};
        int[] counts = new int[3];
        Sampler sampler = new Sampler(new SamplingSettings(1.0, 0, 1, 1, 123), KernelProvider.get());
        int n = 30_000;
        for (int i = 0; i < n; i++) {
            counts[sampler.next(logits.clone(), 3, new int[0], 0)]++;
        }
        assertEquals(0.5, counts[0] / (double) n, 0.015);
        assertEquals(0.3, counts[1] / (double) n, 0.015);
        assertEquals(0.2, counts[2] / (double) n, 0.015);

        Sampler again = new Sampler(new SamplingSettings(1.0, 0, 1, 1, 123), KernelProvider.get());
        Sampler same = new Sampler(new SamplingSettings(1.0, 0, 1, 1, 123), KernelProvider.get());
        for (int i = 0; i < 100; i++) {
            assertEquals(same.next(logits.clone(), 3, new int[0], 0), again.next(logits.clone(), 3, new int[0], 0));
        }
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // Probabilities 0.5, 0.3, 0.2: p = 0.7 keeps {0, 1} (0.5 < 0.7 ≤ 0.8), so token 2 never comes.
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2)};
        Sampler sampler = new Sampler(new SamplingSettings(1.0, 0, 0.7, 1, 5), KernelProvider.get());
        int[] counts = new int[3];
        for (int i = 0; i < 10_000; i++) {
            counts[sampler.next(logits.clone(), 3, new int[0], 0)]++;
        }
        assertEquals(0, counts[2]);
        assertEquals(0.625, counts[0] / 10_000.0, 0.02, "0.5 renormalised over 0.8");
    }

    @Test
    void badSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new SamplingSettings(-1, 0, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingSettings(1, -1, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingSettings(1, 0, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingSettings(1, 0, 1, 0, 0));
    }
}
