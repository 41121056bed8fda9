package dev.spruce.model;

import java.util.List;

/**
 * Decode steps of several sequences at once (continuous batching): the next token of each session
 * goes through the model as one batch, so every linear reads its weights once for all of them,
 * while RoPE, the KV cache and attention work per sequence, at its own position over its own cache.
 * Decode is bound by the bandwidth of reading the weights, so a step for k sequences costs far less
 * than k steps. With one session a step computes exactly what {@link Session#decode} does.
 *
 * <p>Holds the scratch of one batch; one thread drives it (like the {@link WorkerPool} it runs on).
 * The sessions must come from the same {@link Transformer}.
 */
public final class BatchDecoder {

    private final Transformer transformer;
    private final Activations activations;
    private final int vocab;

    /**
     * @param maxBatch     sessions per step at most
     * @param maxPositions the longest sequence a session may hold (sizes the attention scratch)
     */
    public BatchDecoder(Transformer transformer, int maxBatch, int maxPositions) {
        this.transformer = transformer;
        this.activations = new Activations(transformer.model().config(), maxBatch, maxPositions,
                transformer.pool().threads());
        this.vocab = transformer.model().config().vocabSize();
    }

    /** A decoder for the sessions of {@code engine}, at most {@code maxBatch} per step. */
    public static BatchDecoder of(Engine engine, int maxBatch) {
        return new BatchDecoder(engine.transformer(), maxBatch, engine.context());
    }

    /** Sessions per step at most. */
    public int maxBatch() {
        return activations.capacity();
    }

    /** Logits per token. */
    public int vocabSize() {
        return vocab;
    }

    /**
     * Runs {@code tokens[b]} at the next position of {@code sessions.get(b)} for every {@code b}
     * and advances each session by one.
     *
     * @return the logits after each token, row-major {@code [sessions.size()][vocab]}
     */
    public float[] decode(List<Session> sessions, int[] tokens) {
        int batch = sessions.size();
        if (batch < 1 || batch > maxBatch() || tokens.length < batch) {
            throw new IllegalArgumentException(batch + " sessions and " + tokens.length + " tokens; a step takes 1 to "
                    + maxBatch() + " sessions and a token for each");
        }
        int[] positions = new int[batch];
        KvCache[] caches = new KvCache[batch];
        for (int b = 0; b < batch; b++) {
            Session s = sessions.get(b);
            if (s.position() >= s.maxPositions()) {
                throw new IllegalArgumentException("session " + b + " is full: its context holds " + s.maxPositions());
            }
            positions[b] = s.position();
            caches[b] = s.cache();
        }
        BatchRows rows = new BatchRows.Independent(positions, caches);
        LlamaModel model = transformer.model();
        transformer.embed(tokens, 0, batch, activations);
        for (int l = 0; l < model.layers().size(); l++) {
            DecoderLayer w = model.layers().get(l);
            transformer.attentionSublayer(w, l, activations, batch, rows);
            transformer.mlpSublayer(w, l, activations, batch);
        }
        float[] logits = new float[batch * vocab];
        transformer.head(activations, batch, true, logits);
        for (Session s : sessions) {
            s.advance();
        }
        return logits;
    }
}
