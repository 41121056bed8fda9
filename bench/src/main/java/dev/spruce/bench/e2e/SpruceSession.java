package dev.spruce.bench.e2e;

import dev.spruce.kernels.KernelProvider;
import dev.spruce.model.KvCacheType;
import dev.spruce.model.LlamaModel;
import dev.spruce.model.Session;
import dev.spruce.model.Transformer;
import dev.spruce.model.WorkerPool;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A Spruce {@link Session} on its own model, with an F32 KV cache (the same storage Jlama uses with
 * F32 working memory). Owns the model and the session and closes them, and the worker pool too unless
 * it was given one to share.
 */
public final class SpruceSession implements EngineSession {

    private final LlamaModel model;
    private final WorkerPool ownPool;
    private final Session session;

    private SpruceSession(LlamaModel model, WorkerPool ownPool, Session session) {
        this.model = model;
        this.ownPool = ownPool;
        this.session = session;
    }

    /**
     * Loads the checkpoint in {@code dir} with the kernels {@link KernelProvider#get()} picks.
     *
     * @param threads      threads of the worker pool, counting the caller's
     * @param maxPositions the longest sequence the session will hold
     * @param chunk        tokens per forward call during a prefill
     */
    public static SpruceSession open(Path dir, int threads, int maxPositions, int chunk) throws IOException {
        WorkerPool pool = WorkerPool.create(threads);
        try {
            return open(dir, pool, pool, maxPositions, chunk);
        } catch (IOException | RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /**
     * Loads the checkpoint in {@code dir} to run on {@code pool}, which stays open when this session
     * closes: sessions that take turns share one pool, so no idle pool's workers spin beside the busy one.
     */
    public static SpruceSession open(Path dir, WorkerPool pool, int maxPositions, int chunk) throws IOException {
        return open(dir, pool, null, maxPositions, chunk);
    }

    private static SpruceSession open(Path dir, WorkerPool pool, WorkerPool ownPool, int maxPositions, int chunk)
            throws IOException {
        LlamaModel model = LlamaModel.load(dir, KernelProvider.get());
        try {
            Session session = new Session(new Transformer(model, pool),
                    KvCacheType.F32.create(model.config(), maxPositions, model.kernels()), chunk);
            return new SpruceSession(model, ownPool, session);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** The model, for figures such as {@link LlamaModel#weightBytesPerToken()}. */
    public LlamaModel model() {
        return model;
    }

    @Override
    public String engine() {
        return "spruce";
    }

    @Override
    public int vocabSize() {
        return model.config().vocabSize();
    }

    @Override
    public int position() {
        return session.position();
    }

    @Override
    public float[] forward(int[] tokens, int from, int count, boolean allLogits) {
        return session.forward(tokens, from, count, allLogits);
    }

    @Override
    public float[] decode(int token) {
        return session.decode(token);
    }

    @Override
    public void reset() {
        session.reset();
    }

    @Override
    public void close() {
        try {
            session.close();
        } finally {
            if (ownPool != null) {
                ownPool.close();
            }
            model.close();
        }
    }
}
