package dev.spruce.model;

import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.kernels.Kernels;

/**
 * The Llama-family forward pass over a batch of consecutive tokens of one sequence: embeddings,
 * then per block [RMSNorm → q/k/v → RoPE → grouped-query attention over the KV cache → o_proj →
 * residual → RMSNorm → gate/up → SiLU·mul → down → residual], then the final norm and the head.
 * One token is a decode step, many are a prefill; the code is the same.
 *
 * <p>Sliced (SliceGPT) models run on the same path: each block reads and writes the residual at
 * its own width (row-major {@code [token][width]} in {@code a.x}), and where a block carries
 * shortcut matrices the residual is rotated through them (one more matrix product per sub-layer,
 * on the same kernels) instead of added as is. A dense model has no shortcuts and every width is
 * the hidden size, so it does exactly what it did before.
 *
 * <p>Matrix work is split by output rows over the {@link WorkerPool}; linears that share an input
 * (q, k, v; gate, up) run in one parallel region. Stateless apart from the optional observer; the
 * sequence state is the caller's {@link KvCache} and {@link Activations}.
 */
public final class Transformer {

    private final LlamaModel model;
    private final ModelConfig config;
    private final Kernels kernels;
    private final WorkerPool pool;
    private final int hidden;
    private final float eps;
    private final float scale;
    private volatile LinearObserver observer;

    public Transformer(LlamaModel model, WorkerPool pool) {
        this.model = model;
        this.config = model.config();
        this.kernels = model.kernels();
        this.pool = pool;
        this.hidden = config.hiddenSize();
        this.eps = (float) config.rmsNormEps();
        this.scale = (float) (1.0 / Math.sqrt(config.headDim()));
    }

    public LlamaModel model() {
        return model;
    }

    public WorkerPool pool() {
        return pool;
    }

    /** Registers the observer of linear inputs ({@code null} removes it). */
    public void setObserver(LinearObserver observer) {
        this.observer = observer;
    }

    /**
     * Writes the embeddings of {@code tokens[from .. from + batch)} to the residual stream {@code a.x},
     * row-major {@code [batch][width]} with the embeddings' width (the hidden size, or narrower in a
     * sliced model).
     */
    public void embed(int[] tokens, int from, int batch, Activations a) {
        checkBatch(batch, a);
        int width = model.embeddings().cols();
        for (int b = 0; b < batch; b++) {
            model.embed(tokens[from + b], a.x, b * width);
        }
    }

    /**
     * Runs block {@code layer} on the residual stream {@code a.x} of {@code batch} tokens at
     * positions {@code position, position + 1, ...}, storing their keys and values in {@code cache};
     * position {@code p} attends to cached positions {@code [0, p]}.
     */
    public void block(int layer, Activations a, int batch, int position, KvCache cache) {
        DecoderLayer w = model.layers().get(layer);
        attentionSublayer(w, layer, a, batch, position, cache);
        mlpSublayer(w, layer, a, batch);
    }

    /**
     * The first half of a block: {@code x ← shortcut(x) + o_proj(attention(norm(x)))}, for any
     * block {@code w} (the model's own, or one being built by a calibration pipeline).
     * {@code a.x} goes from {@code [batch][w.inputWidth()]} to {@code [batch][w.middleWidth()]}.
     *
     * @param layer the index the KV cache and the observer see
     */
    public void attentionSublayer(DecoderLayer w, int layer, Activations a, int batch, int position, KvCache cache) {
        attentionSublayer(w, layer, a, batch, new BatchRows.Consecutive(position, cache));
    }

    /**
     * The attention half of a block for rows placed by {@code rows}: row {@code b} is rotated to,
     * stored at and attends up to {@code rows.position(b)} of {@code rows.cache(b)}. With one row per
     * sequence this is a batched decode step over several sequences; the linears read their weights
     * once for all of them.
     */
    public void attentionSublayer(DecoderLayer w, int layer, Activations a, int batch, BatchRows rows) {
        checkBatch(batch, a);
        for (int b = 0; b < batch; b++) {
            int end = rows.position(b) + 1;
            if (end > rows.cache(b).maxPositions() || end > model.rope().maxPositions()) {
                throw new IllegalArgumentException("positions up to " + end + " exceed the context of "
                        + Math.min(rows.cache(b).maxPositions(), model.rope().maxPositions()));
            }
        }
        int in = w.inputWidth();
        int qDim = config.queryDim();
        int kvDim = config.kvDim();
        LinearObserver obs = observer;

        float e = normEps(in);
        for (int b = 0; b < batch; b++) {
            kernels.rmsNorm(a.x, b * in, w.inputNorm(), e, a.xb, b * in, in);
        }
        if (obs != null) {
            obs.observe(layer, LinearRole.Q, a.xb, batch, in);
            obs.observe(layer, LinearRole.K, a.xb, batch, in);
            obs.observe(layer, LinearRole.V, a.xb, batch, in);
        }
        apply3(w.q(), a.q, w.k(), a.k, w.v(), a.v, a.xb, batch);
        for (int b = 0; b < batch; b++) {
            int position = rows.position(b);
            kernels.rope(model.rope(), position, a.q, b * qDim, config.numHeads());
            kernels.rope(model.rope(), position, a.k, b * kvDim, config.numKvHeads());
            rows.cache(b).store(layer, position, a.k, b * kvDim, a.v, b * kvDim);
        }
        attention(layer, a, batch, rows);
        if (obs != null) {
            obs.observe(layer, LinearRole.O, a.att, batch, qDim);
        }
        apply1(w.o(), a.att, batch, a.delta);
        addResidual(w.attnShortcut(), a, batch, w.middleWidth());
    }

    /**
     * The second half of a block: {@code x ← shortcut(x) + down(silu(gate(n)) · up(n))} with
     * {@code n = norm(x)}; {@code a.x} goes from {@code [batch][w.middleWidth()]} to
     * {@code [batch][w.outputWidth()]}.
     *
     * @param layer the index the observer sees
     */
    public void mlpSublayer(DecoderLayer w, int layer, Activations a, int batch) {
        checkBatch(batch, a);
        int mid = w.middleWidth();
        LinearObserver obs = observer;
        float e = normEps(mid);
        for (int b = 0; b < batch; b++) {
            kernels.rmsNorm(a.x, b * mid, w.postAttentionNorm(), e, a.xb, b * mid, mid);
        }
        if (obs != null) {
            obs.observe(layer, LinearRole.GATE, a.xb, batch, mid);
            obs.observe(layer, LinearRole.UP, a.xb, batch, mid);
        }
        apply2(w.gate(), a.gate, w.up(), a.up, a.xb, batch);
        int inter = w.gate().outFeatures();
        // Row by row, not over the whole batch: the vector exponential and the scalar tail's round
        // differently, so a row's values must not depend on where the batch's tail falls.
        for (int b = 0; b < batch; b++) {
            kernels.siluMul(a.gate, b * inter, a.up, b * inter, a.gate, b * inter, inter);
        }
        if (obs != null) {
            obs.observe(layer, LinearRole.DOWN, a.gate, batch, inter);
        }
        apply1(w.down(), a.gate, batch, a.delta);
        addResidual(w.mlpShortcut(), a, batch, w.outputWidth());
    }

    /**
     * The final norm and the head: logits of the last token of the batch into {@code logits[0 ..
     * vocab)}, or with {@code all} of every token into {@code logits[b * vocab ..]}.
     */
    public void head(Activations a, int batch, boolean all, float[] logits) {
        int width = model.finalNorm().length;
        int first = all ? 0 : batch - 1;
        int rows = batch - first;
        float e = normEps(width);
        for (int b = first; b < batch; b++) {
            kernels.rmsNorm(a.x, b * width, model.finalNorm(), e, a.xb, (b - first) * width, width);
        }
        apply1(model.lmHead(), a.xb, rows, logits);
    }

    /**
     * Epsilon for a norm over {@code width} features. Narrower than the hidden size only in a sliced
     * model, whose weightless norms divide the sum of squares by the hidden size (SliceGPT's RMSN):
     * the kernel divides by {@code width}, so epsilon grows by {@code hidden / width} and the scale
     * ({@link DecoderLayer#weightlessNorm}) by {@code sqrt(hidden / width)}.
     */
    private float normEps(int width) {
        return width == hidden ? eps : (float) (config.rmsNormEps() * hidden / width);
    }

    private void attention(int layer, Activations a, int batch, BatchRows rows) {
        if (hasPolicy(rows, batch)) {
            policyAttention(layer, a, batch, rows);
            return;
        }
        int heads = config.numHeads();
        int group = heads / config.numKvHeads();
        int headDim = config.headDim();
        int qDim = config.queryDim();
        pool.forRange(batch * heads, (start, end, worker) -> HeadGroups.forEachRun(start, end, heads, group,
                (b, h, n, kvHead) -> {
                    int at = b * qDim + h * headDim;
                    rows.cache(b).attendGroup(layer, kvHead, a.q, at, n, headDim, rows.position(b) + 1, scale,
                            a.scores[worker], a.att, at);
                }));
    }

    private static boolean hasPolicy(BatchRows rows, int batch) {
        for (int b = 0; b < batch; b++) {
            if (rows.cache(b) instanceof PolicyKvCache) {
                return true;
            }
        }
        return false;
    }

    /**
     * Attention when some row's cache has its own policy: first every row whose cache attends
     * positions independently (dense caches, and policies that are not sequential), all heads at
     * once; then each row of a sequential policy in order (heads in parallel), between that cache's
     * begin and end of the position. Rows of one sequence come in position order, so a prefill or
     * a teacher-forced window sees exactly what decoding it token by token sees.
     */
    private void policyAttention(int layer, Activations a, int batch, BatchRows rows) {
        int heads = config.numHeads();
        int group = heads / config.numKvHeads();
        int headDim = config.headDim();
        int qDim = config.queryDim();
        pool.forRange(batch * heads, (start, end, worker) -> HeadGroups.forEachRun(start, end, heads, group,
                (b, h, n, kvHead) -> {
                    KvCache cache = rows.cache(b);
                    int at = b * qDim + h * headDim;
                    int length = rows.position(b) + 1;
                    switch (cache) {
                        case PolicyKvCache p when p.sequential() -> { }
                        case PolicyKvCache p -> p.attendHeads(layer, h, n, kvHead, a.q, at, headDim, length, scale,
                                a.scores[worker], a.att, at);
                        default -> cache.attendGroup(layer, kvHead, a.q, at, n, headDim, length, scale,
                                a.scores[worker], a.att, at);
                    }
                }));
        for (int b = 0; b < batch; b++) {
            if (!(rows.cache(b) instanceof PolicyKvCache cache) || !cache.sequential()) {
                continue;
            }
            int p = rows.position(b);
            int row = b * qDim;
            cache.beginPosition(layer, p);
            pool.forRange(heads, (start, end, worker) -> {
                for (int h = start; h < end; h++) {
                    int at = row + h * headDim;
                    cache.attendHead(layer, h, h / group, a.q, at, p + 1, scale, a.scores[worker], a.att, at);
                }
            });
            cache.endPosition(layer, p);
        }
    }

    /**
     * {@code x ← x + delta}, or {@code x ← S·x + delta} through a shortcut matrix (which may change
     * the width); {@code xb} is free by now and takes {@code S·x}. Rows are {@code width} wide.
     */
    private void addResidual(Linear shortcut, Activations a, int batch, int width) {
        float[] x = a.x;
        float[] d = a.delta;
        int n = batch * width;
        if (shortcut == null) {
            for (int i = 0; i < n; i++) {
                x[i] += d[i];
            }
            return;
        }
        float[] rotated = a.xb;
        apply1(shortcut, x, batch, rotated);
        for (int i = 0; i < n; i++) {
            x[i] = rotated[i] + d[i];
        }
    }

    private void apply1(Linear l, float[] in, int batch, float[] out) {
        pool.forRange(l.outFeatures(), (start, end, worker) -> l.apply(in, batch, out, start, end));
    }

    private void apply2(Linear l0, float[] out0, Linear l1, float[] out1, float[] in, int batch) {
        int r0 = l0.outFeatures();
        pool.forRange(r0 + l1.outFeatures(), (start, end, worker) -> {
            if (start < r0) {
                l0.apply(in, batch, out0, start, Math.min(end, r0));
            }
            if (end > r0) {
                l1.apply(in, batch, out1, Math.max(start, r0) - r0, end - r0);
            }
        });
    }

    private void apply3(Linear l0, float[] out0, Linear l1, float[] out1, Linear l2, float[] out2, float[] in,
                        int batch) {
        int r0 = l0.outFeatures();
        int r1 = r0 + l1.outFeatures();
        pool.forRange(r1 + l2.outFeatures(), (start, end, worker) -> {
            if (start < r0) {
                l0.apply(in, batch, out0, start, Math.min(end, r0));
            }
            if (start < r1 && end > r0) {
                l1.apply(in, batch, out1, Math.max(start, r0) - r0, Math.min(end, r1) - r0);
            }
            if (end > r1) {
                l2.apply(in, batch, out2, Math.max(start, r1) - r1, end - r1);
            }
        });
    }

    private static void checkBatch(int batch, Activations a) {
        if (batch < 1 || batch > a.capacity) {
            throw new IllegalArgumentException("batch of " + batch + " tokens; the activations hold 1 to " + a.capacity);
        }
    }
}
