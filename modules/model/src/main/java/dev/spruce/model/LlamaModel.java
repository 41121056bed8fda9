package dev.spruce.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.spruce.checkpoint.Checkpoint;
import dev.spruce.checkpoint.DType;
import dev.spruce.checkpoint.Tensor;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.llama.LayerWeights;
import dev.spruce.checkpoint.llama.LlamaWeights;
import dev.spruce.kernels.DenseMatrix;
import dev.spruce.kernels.Kernels;
import dev.spruce.kernels.RopeTable;
import dev.spruce.kernels.WeightDtype;

/**
 * A Llama-family model ready to run: the checkpoint's mapped tensors bound to linears and kernels.
 * Matrices stay in the mapped file (no copy); norm scales and biases, which are tiny, are widened
 * to floats once. Closing the model unmaps the checkpoint.
 */
public final class LlamaModel implements AutoCloseable {

    private final ModelConfig config;
    private final Checkpoint checkpoint;
    private final Kernels kernels;
    private final DenseMatrix embeddings;
    private final List<DecoderLayer> layers;  // replaceable one by one (calibration pipelines)
    private final float[] finalNorm;
    private final Linear lmHead;
    private final RopeTable rope;

    private LlamaModel(ModelConfig config, Checkpoint checkpoint, Kernels kernels, DenseMatrix embeddings,
                       List<DecoderLayer> layers, float[] finalNorm, Linear lmHead) {
        this.config = config;
        this.checkpoint = checkpoint;
        this.kernels = kernels;
        this.embeddings = embeddings;
        this.layers = new java.util.concurrent.CopyOnWriteArrayList<>(layers);
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.rope = RopeTable.create(config.headDim(), config.maxPositionEmbeddings(), config.ropeTheta(),
                config.ropeScaling());
    }

    /**
     * Opens the Hugging Face checkpoint in {@code dir} (config.json and safetensors) and binds it.
     *
     * @throws IOException naming the file and the problem when the checkpoint is unreadable,
     *                     malformed or not a Llama-family model
     */
    public static LlamaModel load(Path dir, Kernels kernels) throws IOException {
        ModelConfig config = ModelConfig.read(dir);
        Checkpoint checkpoint = Checkpoint.open(dir);
        try {
            return bind(config, checkpoint, kernels);
        } catch (IOException | RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    /** Binds an open checkpoint; the model takes ownership of it and closes it on {@link #close()}. */
    public static LlamaModel bind(ModelConfig config, Checkpoint checkpoint, Kernels kernels) throws IOException {
        LlamaWeights w = LlamaWeights.bind(config, checkpoint);
        List<DecoderLayer> layers = new ArrayList<>();
        for (LayerWeights lw : w.layers()) {
            layers.add(new DecoderLayer(
                    floats(lw.inputNorm()),
                    linear(lw.q(), lw.qBias(), kernels), linear(lw.k(), lw.kBias(), kernels),
                    linear(lw.v(), lw.vBias(), kernels), linear(lw.o(), lw.oBias(), kernels),
                    floats(lw.postAttentionNorm()),
                    linear(lw.gate(), lw.gateBias(), kernels), linear(lw.up(), lw.upBias(), kernels),
                    linear(lw.down(), lw.downBias(), kernels)));
        }
        return new LlamaModel(config, checkpoint, kernels, matrix(w.embeddings()), List.copyOf(layers),
                floats(w.finalNorm()), linear(w.lmHead(), null, kernels));
    }

    private static Linear linear(Tensor weight, Tensor bias, Kernels kernels) {
        return new DenseLinear(weight.name(), matrix(weight), bias == null ? null : floats(bias), kernels);
    }

    static DenseMatrix matrix(Tensor t) {
        return new DenseMatrix(t.data(), weightDtype(t.dtype()), (int) t.shape().dim(0), (int) t.shape().dim(1));
    }

    static WeightDtype weightDtype(DType dtype) {
        return switch (dtype) {
            case F32 -> WeightDtype.F32;
            case BF16 -> WeightDtype.BF16;
            case F16 -> WeightDtype.F16;
            default -> throw new IllegalArgumentException("not a weight dtype: " + dtype);
        };
    }

    private static float[] floats(Tensor t) {
        return t.toFloatArray();
    }

    public ModelConfig config() {
        return config;
    }

    public Kernels kernels() {
        return kernels;
    }

    /** The checkpoint the weights are mapped from. */
    public Checkpoint checkpoint() {
        return checkpoint;
    }

    /** The decoder blocks (an unmodifiable view; see {@link #replaceLayer}). */
    public List<DecoderLayer> layers() {
        return java.util.Collections.unmodifiableList(layers);
    }

    /**
     * Swaps block {@code index} for {@code layer} (for example, with pruned in-memory weights), so
     * later forward passes use it. Shapes must match the config; the mapped checkpoint is untouched.
     */
    public void replaceLayer(int index, DecoderLayer layer) {
        DecoderLayer old = layers.get(index);
        for (LinearRole r : LinearRole.values()) {
            Linear a = old.linear(r);
            Linear b = layer.linear(r);
            if (a.inFeatures() != b.inFeatures() || a.outFeatures() != b.outFeatures()) {
                throw new IllegalArgumentException("block " + index + " " + r.module() + ": [" + b.outFeatures() + ", "
                        + b.inFeatures() + "] does not fit [" + a.outFeatures() + ", " + a.inFeatures() + "]");
            }
        }
        layers.set(index, layer);
    }

    /** Token embeddings {@code [vocab][hidden]}. */
    public DenseMatrix embeddings() {
        return embeddings;
    }

    public float[] finalNorm() {
        return finalNorm;
    }

    /** The output projection (the embeddings again when tied). */
    public Linear lmHead() {
        return lmHead;
    }

    /** RoPE cosines and sines for every position up to {@code max_position_embeddings}. */
    public RopeTable rope() {
        return rope;
    }

    /** Writes the embedding of {@code token} to {@code out[offset .. + hidden)}. */
    public void embed(int token, float[] out, int offset) {
        if (token < 0 || token >= embeddings.rows()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of " + embeddings.rows());
        }
        kernels.toFloats(embeddings.dtype(), embeddings.data(), embeddings.rowIndex(token), out, offset,
                embeddings.cols());
    }

    /**
     * Bytes of weights one decode step reads: every block, the final norm and the head, plus one
     * embedding row. This is the numerator of the bandwidth roofline.
     */
    public long weightBytesPerToken() {
        long sum = lmHead.weightBytes() + (long) finalNorm.length * Float.BYTES
                + (long) embeddings.cols() * embeddings.dtype().byteSize();
        for (DecoderLayer l : layers) {
            sum += l.weightBytes();
        }
        return sum;
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
