package dev.spruce.model;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.spruce.checkpoint.Checkpoint;
import dev.spruce.checkpoint.DType;
import dev.spruce.checkpoint.Tensor;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.llama.LayerWeights;
import dev.spruce.checkpoint.llama.LlamaWeights;
import dev.spruce.checkpoint.llama.SlicingConfig;
import dev.spruce.kernels.DenseMatrix;
import dev.spruce.kernels.Kernels;
import dev.spruce.kernels.RopeTable;
import dev.spruce.kernels.WeightDtype;
import dev.spruce.kernels.WeightMemory;

/**
 * A Llama-family model ready to run: the checkpoint's mapped tensors bound to linears and kernels.
 * Matrices stay in the mapped file (no copy); norm scales and biases, which are tiny, are widened
 * to floats once. Closing the model unmaps the checkpoint.
 *
 * <p>A SliceGPT-sliced checkpoint (its {@code spruce.json} holds a {@link SlicingConfig}) binds the
 * same way, with per-layer residual widths, weightless norms and each block's two shortcut
 * matrices. Those are the one copy: the checkpoint stores them as SliceGPT does, multiplying a row
 * vector from the right ({@code [in][out]}), and the engine's kernels want {@code [out][in]} rows,
 * so each is transposed once at load, in its own dtype, onto the heap.
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
    private final SlicingConfig slicing;

    private LlamaModel(ModelConfig config, Checkpoint checkpoint, Kernels kernels, DenseMatrix embeddings,
                       List<DecoderLayer> layers, float[] finalNorm, Linear lmHead, SlicingConfig slicing) {
        checkWidths(config, embeddings, layers, finalNorm, lmHead);
        this.config = config;
        this.checkpoint = checkpoint;
        this.slicing = slicing;
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
        return load(dir, kernels, SparseWeightPolicy.OFF);
    }

    /**
     * Opens and binds the checkpoint in {@code dir}, running its block linears on the sparse
     * kernels as {@code sparse} decides (packed weights always are).
     */
    public static LlamaModel load(Path dir, Kernels kernels, SparseWeightPolicy sparse) throws IOException {
        ModelConfig config = ModelConfig.read(dir);
        Checkpoint checkpoint = Checkpoint.open(dir);
        try {
            return bind(config, checkpoint, kernels, sparse);
        } catch (IOException | RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    /** Binds an open checkpoint; the model takes ownership of it and closes it on {@link #close()}. */
    public static LlamaModel bind(ModelConfig config, Checkpoint checkpoint, Kernels kernels) throws IOException {
        return bind(config, checkpoint, kernels, SparseWeightPolicy.OFF);
    }

    /** As {@link #bind(ModelConfig, Checkpoint, Kernels)}, choosing each block linear's format by {@code sparse}. */
    public static LlamaModel bind(ModelConfig config, Checkpoint checkpoint, Kernels kernels, SparseWeightPolicy sparse)
            throws IOException {
        LlamaWeights w = LlamaWeights.bind(config, checkpoint);
        SlicingConfig s = w.slicing();
        int hidden = config.hiddenSize();
        BlockLinears linears = new BlockLinears(w.packed(), sparse, kernels);
        List<DecoderLayer> layers = new ArrayList<>();
        for (int i = 0; i < w.layers().size(); i++) {
            LayerWeights lw = w.layers().get(i);
            layers.add(new DecoderLayer(
                    s == null ? floats(lw.inputNorm()) : DecoderLayer.weightlessNorm(s.attentionInput(i), hidden),
                    linears.create(i, "self_attn.q_proj", lw.q(), lw.qBias()),
                    linears.create(i, "self_attn.k_proj", lw.k(), lw.kBias()),
                    linears.create(i, "self_attn.v_proj", lw.v(), lw.vBias()),
                    linears.create(i, "self_attn.o_proj", lw.o(), lw.oBias()),
                    s == null ? floats(lw.postAttentionNorm()) : DecoderLayer.weightlessNorm(s.mlpInput(i), hidden),
                    linears.create(i, "mlp.gate_proj", lw.gate(), lw.gateBias()),
                    linears.create(i, "mlp.up_proj", lw.up(), lw.upBias()),
                    linears.create(i, "mlp.down_proj", lw.down(), lw.downBias()),
                    s == null ? null : transposed(lw.attnShortcut(), kernels),
                    s == null ? null : transposed(lw.mlpShortcut(), kernels)));
        }
        float[] finalNorm = s == null ? floats(w.finalNorm()) : DecoderLayer.weightlessNorm(s.headDimension(), hidden);
        return new LlamaModel(config, checkpoint, kernels, matrix(w.embeddings()), List.copyOf(layers), finalNorm,
                linear(w.lmHead(), null, kernels), s);
    }

    /**
     * A model over weights the caller built (heap arrays, or views of a checkpoint the caller keeps
     * open): what a compression pipeline produces before, or instead of, writing a checkpoint.
     * {@link #checkpoint()} is null and {@link #close()} releases nothing.
     *
     * @param slicing the widths of a sliced model, or null for a dense one
     * @throws IllegalArgumentException when the widths do not chain from the embeddings to the head
     */
    public static LlamaModel inMemory(ModelConfig config, Kernels kernels, DenseMatrix embeddings,
                                      List<DecoderLayer> layers, float[] finalNorm, Linear lmHead,
                                      SlicingConfig slicing) {
        return new LlamaModel(config, null, kernels, embeddings, List.copyOf(layers), finalNorm, lmHead, slicing);
    }

    private static void checkWidths(ModelConfig c, DenseMatrix embeddings, List<DecoderLayer> layers, float[] finalNorm,
                                    Linear lmHead) {
        if (layers.size() != c.numLayers()) {
            throw new IllegalArgumentException(layers.size() + " blocks for a config of " + c.numLayers());
        }
        if (embeddings.rows() != c.vocabSize() || lmHead.outFeatures() != c.vocabSize()) {
            throw new IllegalArgumentException("embeddings of " + embeddings.rows() + " rows and a head of "
                    + lmHead.outFeatures() + " for a vocabulary of " + c.vocabSize());
        }
        int width = embeddings.cols();
        String from = "the embeddings";
        for (int i = 0; i < layers.size(); i++) {
            DecoderLayer l = layers.get(i);
            if (l.inputWidth() != width) {
                throw new IllegalArgumentException("block " + i + " reads " + l.inputWidth() + " features but " + from
                        + " write " + width);
            }
            for (int w : new int[] {l.inputWidth(), l.middleWidth(), l.outputWidth()}) {
                if (w > c.hiddenSize()) {
                    throw new IllegalArgumentException("block " + i + " has a residual of " + w
                            + " features, wider than hidden_size " + c.hiddenSize());
                }
            }
            width = l.outputWidth();
            from = "block " + i;
        }
        if (finalNorm.length != width || lmHead.inFeatures() != width) {
            throw new IllegalArgumentException("the final norm (" + finalNorm.length + ") and the head ("
                    + lmHead.inFeatures() + ") must read the " + width + " features " + from + " writes");
        }
    }

    /**
     * A shortcut matrix stored {@code [in][out]} as a linear over its transpose, {@code [out][in]},
     * copied once in the tensor's own dtype into {@link WeightMemory}, the same segment class as the
     * mapped weights (see there for why not the heap).
     */
    private static Linear transposed(Tensor t, Kernels kernels) {
        int in = (int) t.shape().dim(0);
        int out = (int) t.shape().dim(1);
        MemorySegment dst = WeightMemory.allocate(t.byteSize());
        switch (t.dtype().bytes()) {
            case 4 -> transpose(t.data(), dst, in, out, Tensor.I32);
            case 2 -> transpose(t.data(), dst, in, out, Tensor.I16);
            default -> throw new IllegalArgumentException(t.name() + ": not a weight dtype: " + t.dtype());
        }
        return new DenseLinear(t.name(), new DenseMatrix(dst, weightDtype(t.dtype()), out, in), null, kernels);
    }

    /** {@code dst[j][i] = src[i][j]} bit for bit, in 64 × 64 tiles so rows read and written stay in cache. */
    private static void transpose(MemorySegment src, MemorySegment dst, int rows, int cols, ValueLayout element) {
        for (int i0 = 0; i0 < rows; i0 += 64) {
            for (int j0 = 0; j0 < cols; j0 += 64) {
                for (int i = i0, i1 = Math.min(rows, i0 + 64); i < i1; i++) {
                    for (int j = j0, j1 = Math.min(cols, j0 + 64); j < j1; j++) {
                        long from = (long) i * cols + j;
                        long to = (long) j * rows + i;
                        if (element == Tensor.I32) {
                            dst.setAtIndex(Tensor.I32, to, src.getAtIndex(Tensor.I32, from));
                        } else {
                            dst.setAtIndex(Tensor.I16, to, src.getAtIndex(Tensor.I16, from));
                        }
                    }
                }
            }
        }
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

    static float[] floats(Tensor t) {
        return t.toFloatArray();
    }

    public ModelConfig config() {
        return config;
    }

    public Kernels kernels() {
        return kernels;
    }

    /** The checkpoint the weights are mapped from, or null for a model built {@link #inMemory}. */
    public Checkpoint checkpoint() {
        return checkpoint;
    }

    /** The residual widths of a SliceGPT-sliced model, or null for a dense one. */
    public SlicingConfig slicing() {
        return slicing;
    }

    /** The decoder blocks (an unmodifiable view; see {@link #replaceLayer}). */
    public List<DecoderLayer> layers() {
        return java.util.Collections.unmodifiableList(layers);
    }

    /**
     * Swaps block {@code index} for {@code layer} (for example, with pruned in-memory weights), so
     * later forward passes use it. Every shape must match the block it replaces, shortcut matrices
     * included; the mapped checkpoint is untouched.
     */
    public void replaceLayer(int index, DecoderLayer layer) {
        DecoderLayer old = layers.get(index);
        for (LinearRole r : LinearRole.values()) {
            requireSameShape(index, r.module(), old.linear(r), layer.linear(r));
        }
        requireSameShape(index, "attention shortcut", old.attnShortcut(), layer.attnShortcut());
        requireSameShape(index, "MLP shortcut", old.mlpShortcut(), layer.mlpShortcut());
        if (old.inputWidth() != layer.inputWidth() || old.middleWidth() != layer.middleWidth()) {
            throw new IllegalArgumentException("block " + index + ": norms of " + layer.inputWidth() + " and "
                    + layer.middleWidth() + " features do not fit " + old.inputWidth() + " and " + old.middleWidth());
        }
        layers.set(index, layer);
    }

    private static void requireSameShape(int index, String what, Linear a, Linear b) {
        if (a == null && b == null) {
            return;
        }
        if (a == null || b == null) {
            throw new IllegalArgumentException("block " + index + " " + what + ": " + (a == null ? "the block has none"
                    : "the replacement drops it"));
        }
        if (a.inFeatures() != b.inFeatures() || a.outFeatures() != b.outFeatures()) {
            throw new IllegalArgumentException("block " + index + " " + what + ": [" + b.outFeatures() + ", "
                    + b.inFeatures() + "] does not fit [" + a.outFeatures() + ", " + a.inFeatures() + "]");
        }
    }

    /** Token embeddings {@code [vocab][hidden]} ({@code [vocab][width]} in a sliced model). */
    public DenseMatrix embeddings() {
        return embeddings;
    }

    /**
     * The scales of the final norm over the head's input (weightless in a sliced model; see
     * {@link DecoderLayer#weightlessNorm}).
     */
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
        if (checkpoint != null) {
            checkpoint.close();
        }
    }
}
