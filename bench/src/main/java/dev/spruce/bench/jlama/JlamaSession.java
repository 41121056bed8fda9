package dev.spruce.bench.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.safetensors.WeightLoader;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import com.github.tjake.jlama.tensor.operations.TensorOperationsProvider;
import dev.spruce.bench.e2e.EngineSession;

import java.io.File;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;

/**
 * A sequence run by Jlama (0.8.4) on its Panama backend with F32 working memory and an F32 KV
 * cache: prefills go through {@code batchForward}, decode steps through {@code forward}, as in
 * Jlama's own {@code generate}. Owns the model and closes it.
 */
public final class JlamaSession implements EngineSession {

    /** The backend Jlama must pick; its native one is wrong on AVX-512 machines. */
    static final String PANAMA = "Panama Vector Operations";
    /** Jlama's default {@code jlama.max_batch_size}: {@code batchForward} returns only its last batch's outputs. */
    private static final int MAX_BATCH = 256;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final AbstractModel model;
    private final KvBufferCache caches;
    private final KvBufferCache.KvBuffer kv;
    private final AbstractTensor logits;
    private final int vocab;
    private final int contextLength;
    private int position;

    private JlamaSession(AbstractModel model) {
        this.model = model;
        this.vocab = model.getConfig().vocabularySize;
        this.contextLength = model.getConfig().contextLength;
        this.caches = new KvBufferCache(model);
        this.kv = caches.getEphemeralKvBuffer();
        this.logits = model.makeDenseTensor(1, vocab);
    }

    /**
     * Loads the Llama-family checkpoint in {@code dir}, which must hold a tokenizer.json (see
     * {@link JlamaModelDir#prepare}).
     *
     * @throws IllegalStateException when Jlama picked another backend than Panama (run with
     *                               {@code -Djlama.force_panama_tensor_operations=true})
     */
    public static JlamaSession open(Path dir, JlamaActivations activations) {
        String backend = TensorOperationsProvider.get().name();
        if (!PANAMA.equals(backend)) {
            throw new IllegalStateException("Jlama picked " + backend + ", not " + PANAMA
                    + ": run with -Djlama.force_panama_tensor_operations=true");
        }
        if (!Files.isRegularFile(dir.resolve(JlamaModelDir.TOKENIZER))) {
            throw new IllegalArgumentException(dir + " has no " + JlamaModelDir.TOKENIZER + ", which Jlama needs;"
                    + " see JlamaModelDir.prepare");
        }
        Function<File, WeightLoader> weights = switch (activations) {
            case AS_SHIPPED -> SafeTensorSupport::loadWeights;
            case F32 -> d -> new F32ActivationsWeightLoader(SafeTensorSupport.loadWeights(d));
        };
        AbstractModel model = ModelSupport.loadModel(AbstractModel.InferenceType.FULL_GENERATION, dir.toFile(), null,
                DType.F32, DType.F32, Optional.empty(), Optional.empty(), Optional.empty(), weights);
        if (model.getModelType() != ModelSupport.ModelType.LLAMA) {
            model.close();
            throw new IllegalArgumentException(dir + ": Jlama reads a " + model.getModelType() + " model, not LLAMA");
        }
        return new JlamaSession(model);
    }

    @Override
    public String engine() {
        return "jlama";
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    @Override
    public int position() {
        return position;
    }

    @Override
    public float[] forward(int[] tokens, int from, int count, boolean allLogits) {
        checkRoom(count);
        float[] out = new float[allLogits ? count * vocab : vocab];
        for (int done = 0; done < count; ) {
            int batch = Math.min(MAX_BATCH, count - done);
            int[] ids = Arrays.copyOfRange(tokens, from + done, from + done + batch);
            try (AbstractTensor hidden = model.batchForward(ids, position, kv)) {
                if (allLogits) {
                    for (int b = 0; b < batch; b++) {
                        logits(hidden.slice(b), out, (done + b) * vocab);
                    }
                } else if (done + batch == count) {
                    logits(hidden.slice(batch - 1), out, 0);
                }
            }
            position += batch;
            done += batch;
        }
        return out;
    }

    @Override
    public float[] decode(int token) {
        checkRoom(1);
        float[] out = new float[vocab];
        try (AbstractTensor hidden = model.forward(token, position, kv, Optional.empty())) {
            logits(hidden, out, 0);
        }
        position++;
        return out;
    }

    /** Later positions overwrite the cache; attention never reads past the current position. */
    @Override
    public void reset() {
        position = 0;
    }

    /**
     * The final norm and the head on one hidden state. Jlama's {@code getLogits} returns softmax
     * probabilities; {@code sample} at temperature 0 leaves the raw logits in its buffer.
     */
    private void logits(AbstractTensor hidden, float[] out, int offset) {
        model.sample(hidden, 0f, 0f, logits);
        MemorySegment.copy(logits.getMemorySegment(), FLOAT, 0, out, offset, vocab);
    }

    private void checkRoom(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("nothing to run: " + count + " tokens");
        }
        if (position + count > contextLength) {
            throw new IllegalArgumentException("the sequence would reach " + (position + count)
                    + " tokens; the context holds " + contextLength);
        }
    }

    @Override
    public void close() {
        try {
            logits.close();
            kv.close();
            caches.close();
            model.getWeights().close();
        } catch (Exception e) {
            throw new IllegalStateException("closing Jlama's model failed", e);
        } finally {
            model.close();
        }
    }
}
