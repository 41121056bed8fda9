package dev.spruce.model;

import java.io.IOException;
import java.nio.file.Path;

import dev.spruce.kernels.KernelProvider;
import dev.spruce.model.tokenizer.ModelTokenizer;
import dev.spruce.model.tokenizer.Tokenizers;

/**
 * A model ready to serve: weights, tokenizer, worker threads and the forward pass, opened together
 * from a checkpoint directory and closed together. Sessions are created per sequence.
 */
public final class Engine implements AutoCloseable {

    /**
     * How to run a model.
     *
     * @param threads     worker threads, the caller's included (0 = one per core)
     * @param cacheType   storage of the KV cache
     * @param context     positions per session (0 = the model's {@code max_position_embeddings})
     * @param prefillChunk tokens per forward call while prefilling
     * @param sparseWeights which block linears run on the sparse kernels
     */
    public record Options(int threads, KvCacheType cacheType, int context, int prefillChunk,
                          SparseWeightPolicy sparseWeights) {

        public static final Options DEFAULT = new Options(0, KvCacheType.F32, 0, 64);

        public Options {
            if (threads < 0 || context < 0 || prefillChunk < 1) {
                throw new IllegalArgumentException("threads and context must be ≥ 0 and the prefill chunk ≥ 1");
            }
            if (sparseWeights == null) {
                throw new IllegalArgumentException("a sparse weight policy is required");
            }
        }

        /** With the default sparse weight policy, {@link SparseWeightPolicy#OFF} (packed checkpoints still run sparse). */
        public Options(int threads, KvCacheType cacheType, int context, int prefillChunk) {
            this(threads, cacheType, context, prefillChunk, SparseWeightPolicy.OFF);
        }
    }

    private final LlamaModel model;
    private final ModelTokenizer tokenizer;
    private final WorkerPool pool;
    private final Transformer transformer;
    private final Options options;

    private Engine(LlamaModel model, ModelTokenizer tokenizer, WorkerPool pool, Options options) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.pool = pool;
        this.transformer = new Transformer(model, pool);
        this.options = options;
    }

    /**
     * Opens the checkpoint and tokenizer in {@code dir}.
     *
     * @throws IOException naming the file and the problem when either is unusable
     */
    public static Engine open(Path dir, Options options) throws IOException {
        LlamaModel model = LlamaModel.load(dir, KernelProvider.get(), options.sparseWeights());
        try {
            ModelTokenizer tokenizer = Tokenizers.load(dir);
            if (tokenizer.vocabSize() > model.config().vocabSize()) {
                throw new IOException(dir + ": the tokenizer has " + tokenizer.vocabSize()
                        + " tokens but the model's vocabulary only " + model.config().vocabSize());
            }
            int threads = options.threads() == 0 ? WorkerPool.defaultThreads() : options.threads();
            return new Engine(model, tokenizer, WorkerPool.create(threads), options);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    public LlamaModel model() {
        return model;
    }

    /** The tokenizer, with the prompt conventions and chat template of the checkpoint. */
    public ModelTokenizer tokenizer() {
        return tokenizer;
    }

    public Transformer transformer() {
        return transformer;
    }

    public Options options() {
        return options;
    }

    /** Positions a session holds. */
    public int context() {
        int max = model.config().maxPositionEmbeddings();
        return options.context() == 0 ? max : Math.min(options.context(), max);
    }

    /** A new sequence with its own KV cache; close it to free off-heap caches. */
    public Session newSession() {
        return new Session(transformer, options.cacheType().create(model.config(), context(), model.kernels()),
                options.prefillChunk());
    }

    /**
     * A new sequence whose cache follows {@code attention} (sparse attention, eviction, a
     * mixed-precision cache), with this engine's context and prefill chunk.
     *
     * @throws IllegalArgumentException when the settings do not fit this model
     */
    public Session newSession(dev.spruce.model.attention.AttentionSettings attention) {
        return new Session(transformer, attention.createCache(model.config(), context(), options.cacheType(),
                model.kernels()), options.prefillChunk());
    }

    @Override
    public void close() {
        pool.close();
        model.close();
    }
}
