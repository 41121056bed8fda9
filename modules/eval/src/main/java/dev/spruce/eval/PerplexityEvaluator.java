package dev.spruce.eval;

import dev.spruce.model.KvCacheType;
import dev.spruce.model.Session;
import dev.spruce.model.Transformer;
import dev.spruce.model.attention.AttentionSettings;

/**
 * Runs evaluation windows through the model, each from position 0, and scores every next-token
 * prediction: ppl = exp(mean over windows of the window's mean NLL). Logits are taken a chunk of
 * tokens at a time, so memory does not grow with the window length times the vocabulary.
 */
public final class PerplexityEvaluator {

    /** Called after each window. */
    @FunctionalInterface
    public interface Progress {
        void windowDone(int done, int total, double perplexitySoFar);
    }

    private final Transformer transformer;
    private final KvCacheType cacheType;
    private final AttentionSettings attention;
    private final int chunk;

    /**
     * @param chunk tokens per forward call (logits of {@code chunk × vocab} floats are held at once)
     */
    public PerplexityEvaluator(Transformer transformer, KvCacheType cacheType, int chunk) {
        this(transformer, cacheType, AttentionSettings.DENSE, chunk);
    }

    /**
     * An evaluator whose sessions attend with {@code attention} (sparse attention, eviction, a
     * mixed-precision cache) at every position of every window: teacher forcing, one cache per
     * window sized to the window, so budgets given as ratios are ratios of the window.
     */
    public PerplexityEvaluator(Transformer transformer, KvCacheType cacheType, AttentionSettings attention, int chunk) {
        this.transformer = transformer;
        this.cacheType = cacheType;
        this.attention = attention;
        this.chunk = chunk;
    }

    public EvalResult evaluate(EvalWindows w, Progress progress) {
        return evaluate(w, progress, null);
    }

    /**
     * As {@link #evaluate(EvalWindows, Progress)}, also writing each prediction's argmax to
     * {@code predictions[window][i]} (the token predicted after position {@code i}) when
     * {@code predictions} is not null: what {@link TopOneAgreement} compares between two runs.
     */
    public EvalResult evaluate(EvalWindows w, Progress progress, int[][] predictions) {
        int vocab = transformer.model().config().vocabSize();
        double sumOfMeans = 0;
        long start = System.nanoTime();
        try (Session session = new Session(transformer, attention.createCache(transformer.model().config(), w.seqlen(),
                cacheType, transformer.model().kernels()), chunk)) {
            int done = 0;
            for (int[] window : w.windows()) {
                session.reset();
                double nll = 0;
                for (int from = 0; from < window.length - 1; from += chunk) {
                    int count = Math.min(chunk, window.length - 1 - from);
                    float[] logits = session.forward(window, from, count, true);
                    for (int i = 0; i < count; i++) {
                        nll += negativeLogLikelihood(logits, i * vocab, vocab, window[from + i + 1]);
                        if (predictions != null) {
                            predictions[done][from + i] = session.kernels().argmax(logits, i * vocab, (i + 1) * vocab);
                        }
                    }
                }
                sumOfMeans += nll / (window.length - 1);
                done++;
                if (progress != null) {
                    progress.windowDone(done, w.windows().size(), Math.exp(sumOfMeans / done));
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int n = w.windows().size();
        return new EvalResult(w.protocol(), Math.exp(sumOfMeans / n), n, w.seqlen(), w.predictions(), seconds);
    }

    /** {@code -log softmax(logits)[target]} in double. */
    static double negativeLogLikelihood(float[] logits, int offset, int vocab, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            max = Math.max(max, logits[offset + v]);
        }
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            sum += Math.exp(logits[offset + v] - max);
        }
        return Math.log(sum) + max - logits[offset + target];
    }
}
