package dev.spruce.model;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Forward passes over tokens of several sequences at once (continuous batching): the next token of
 * each running session, and chunks of prompts being prefilled, go through the model as one batch,
 * so every linear reads its weights once for all of them, while RoPE, the KV cache and attention
 * work per row, at its own position over its own sequence's cache. Decode is bound by the bandwidth
 * of reading the weights, so a step for k sequences costs far less than k steps, and a prompt chunk
 * that rides along costs no extra pass over the weights. With one session a step computes exactly
 * what {@link Session#decode} does.
 *
 * <p>Holds the scratch of one batch; one thread drives it (like the {@link WorkerPool} it runs on).
 * The sessions must come from the same {@link Transformer}.
 */
public final class BatchDecoder {

    private final Transformer transformer;
    private final Activations activations;
    private final int vocab;

    /**
     * @param maxRows      tokens per pass at most (running sequences plus prompt tokens)
     * @param maxPositions the longest sequence a session may hold (sizes the attention scratch)
     */
    public BatchDecoder(Transformer transformer, int maxRows, int maxPositions) {
        this.transformer = transformer;
        this.activations = new Activations(transformer.model().config(), maxRows, maxPositions,
                transformer.pool().threads());
        this.vocab = transformer.model().config().vocabSize();
    }

    /** A decoder for the sessions of {@code engine}, at most {@code maxRows} tokens per pass. */
    public static BatchDecoder of(Engine engine, int maxRows) {
        return new BatchDecoder(engine.transformer(), maxRows, engine.context());
    }

    /** Tokens per pass at most. */
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
        boolean[] all = new boolean[sessions.size()];
        java.util.Arrays.fill(all, true);
        return forward(sessions, tokens, all);
    }

    /**
     * One pass over rows of several sessions: row {@code i} runs {@code tokens[i]} for
     * {@code sessions.get(i)}. A session's rows must be adjacent; they take its next positions in
     * order (one row is a decode step, several are a chunk of its prompt), and each session
     * advances by its number of rows. Only the rows flagged in {@code logitsFor} go through the
     * final norm and the head (a prompt chunk needs none, or those after its last token).
     *
     * @return the logits of the flagged rows in row order, row-major {@code [flagged][vocab]}
     * @throws IllegalArgumentException if there are no rows or more than {@link #maxBatch()}, a
     *                                  session's rows are not adjacent, or a session would overflow
     */
    public float[] forward(List<Session> sessions, int[] tokens, boolean[] logitsFor) {
        int rows = sessions.size();
        if (rows < 1 || rows > maxBatch() || tokens.length < rows || logitsFor.length < rows) {
            throw new IllegalArgumentException(rows + " rows, " + tokens.length + " tokens and " + logitsFor.length
                    + " logit flags; a pass takes 1 to " + maxBatch() + " rows and a token and a flag for each");
        }
        int[] positions = new int[rows];
        KvCache[] caches = new KvCache[rows];
        Set<Session> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        int wanted = 0;
        for (int b = 0; b < rows; b++) {
            Session s = sessions.get(b);
            boolean continues = b > 0 && sessions.get(b - 1) == s;
            if (!continues && !seen.add(s)) {
                throw new IllegalArgumentException("row " + b + ": a session's rows must be adjacent");
            }
            positions[b] = continues ? positions[b - 1] + 1 : s.position();
            if (positions[b] >= s.maxPositions()) {
                throw new IllegalArgumentException("row " + b + ": the session is full: its context holds "
                        + s.maxPositions());
            }
            caches[b] = s.cache();
            if (logitsFor[b]) {
                wanted++;
            }
        }
        BatchRows placement = new BatchRows.Independent(positions, caches);
        LlamaModel model = transformer.model();
        Activations a = activations;
        transformer.embed(tokens, 0, rows, a);
        for (int l = 0; l < model.layers().size(); l++) {
            DecoderLayer w = model.layers().get(l);
            transformer.attentionSublayer(w, l, a, rows, placement);
            transformer.mlpSublayer(w, l, a, rows);
        }
        float[] logits = new float[wanted * vocab];
        if (wanted > 0) {
            // The head reads rows 0 .. wanted-1: move the flagged rows there, in order (never forward).
            int width = model.finalNorm().length;
            int to = 0;
            for (int b = 0; b < rows; b++) {
                if (logitsFor[b]) {
                    if (to != b) {
                        System.arraycopy(a.x, b * width, a.x, to * width, width);
                    }
                    to++;
                }
            }
            transformer.head(a, wanted, true, logits);
        }
        for (Session s : sessions) {
            s.advance();
        }
        return logits;
    }
}
