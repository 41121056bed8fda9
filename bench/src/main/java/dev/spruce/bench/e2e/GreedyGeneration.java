package dev.spruce.bench.e2e;

/** Runs and times a greedy generation on any {@link EngineSession}, so every engine is driven the same way. */
public final class GreedyGeneration {

    private GreedyGeneration() {
    }

    /** Resets the session, prefills {@code prompt} in one forward call, then runs {@code steps} decode steps. */
    public static DecodeRun run(EngineSession session, int[] prompt, int steps) {
        session.reset();
        int[] generated = new int[steps + 1];
        long start = System.nanoTime();
        float[] logits = session.forward(prompt, 0, prompt.length, false);
        long prefilled = System.nanoTime();
        generated[0] = argmax(logits);
        long first = System.nanoTime();
        for (int i = 1; i <= steps; i++) {
            generated[i] = argmax(session.decode(generated[i - 1]));
        }
        long end = System.nanoTime();
        return new DecodeRun(prompt.length, (prefilled - start) / 1e9, (first - start) / 1e9, steps, (end - first) / 1e9,
                generated);
    }

    /** The index of the largest logit, the first one on ties. */
    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
