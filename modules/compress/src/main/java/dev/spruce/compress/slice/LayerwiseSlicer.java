package dev.spruce.compress.slice;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.spruce.checkpoint.DType;
import dev.spruce.checkpoint.Shape;
import dev.spruce.checkpoint.WriteProgress;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.llama.LlamaTensorNames;
import dev.spruce.checkpoint.llama.SlicingConfig;
import dev.spruce.compress.prune.LinearStatistics;
import dev.spruce.compress.prune.Parallelism;
import dev.spruce.kernels.FloatFormats;
import dev.spruce.kernels.Kernels;
import dev.spruce.kernels.WeightDtype;
import dev.spruce.model.Activations;
import dev.spruce.model.DecoderLayer;
import dev.spruce.model.DenseLinear;
import dev.spruce.model.KvCache;
import dev.spruce.model.KvCacheType;
import dev.spruce.model.Linear;
import dev.spruce.model.LlamaModel;
import dev.spruce.model.Transformer;
import dev.spruce.model.WorkerPool;
import org.ejml.data.DMatrixRMaj;

import static dev.spruce.checkpoint.llama.LlamaTensorNames.layer;

/**
 * SliceGPT's rotate-and-slice, sequentially through the blocks on calibration data, as the
 * reference's {@code rotate_and_slice_sequential} does it with a constant slicing schedule:
 *
 * <ol>
 *   <li>Fold the norms into the linears ({@link NormFusion}), block by block as they are reached.
 *   <li>Embed every calibration window; {@code Q₀} = PCA of the embeddings. The embeddings become
 *       {@code (E·Q₀)[:, :d']}.
 *   <li>For block {@code i}, with {@code Q} the rotation its input arrives in and {@code X} its
 *       inputs in the original basis: q/k/v become {@code (W·Q)[:, :d']}; the inputs
 *       {@code (X·Q)[:, :d']} run through attention with the residual carried back to the original
 *       basis by {@code Qᵀ[:d', :]}, and the PCA of the result (the MLP's input) gives
 *       {@code Q_mid}. Then o_proj becomes {@code (Q_midᵀ·W)[:d', :]}, the attention shortcut
 *       {@code Qᵀ[:d', :]·Q_mid[:, :d']}, gate/up {@code (W·Q_mid)[:, :d']}; the whole block runs
 *       with the MLP's shortcut {@code Q_midᵀ[:d', :]}, and the PCA of its outputs (the next
 *       block's inputs, original basis) gives {@code Q_next}: down_proj becomes
 *       {@code (Q_nextᵀ·W)[:d', :]} and the MLP shortcut {@code Q_midᵀ[:d', :]·Q_next[:, :d']}.
 *       The last block keeps the full width out, so the head is rotated ({@code W·Q}) but not sliced.
 * </ol>
 * Each block is calibrated on the outputs of the blocks already sliced. Rotations are absorbed in
 * double precision and each final weight is rounded once to its source dtype, so the sliced model
 * in memory computes exactly what the written checkpoint will. GQA needs nothing special: only the
 * residual dimension is sliced, never the heads.
 *
 * <p>Memory: the residual stream of every window ({@code nsamples × seqlen × hidden} floats),
 * a {@code hidden²} double covariance and rotation at a time, one block's weights widened to double
 * while it is rotated, and the sliced model as heap floats.
 */
public final class LayerwiseSlicer {

    private final Transformer transformer;
    private final LlamaModel model;
    private final ModelConfig config;
    private final SliceOptions options;
    private final Parallelism parallelism;
    private final Kernels kernels;
    private final WorkerPool pool;
    private final int hidden;

    /**
     * @param transformer the forward pass over the dense model to slice (left unchanged)
     * @param parallelism where the covariance updates split their work (the forward passes and the
     *                    rotations use the transformer's own pool)
     */
    public LayerwiseSlicer(Transformer transformer, SliceOptions options, Parallelism parallelism) {
        this.transformer = transformer;
        this.model = transformer.model();
        this.config = model.config();
        this.options = options;
        this.parallelism = parallelism;
        this.kernels = model.kernels();
        this.pool = transformer.pool();
        this.hidden = config.hiddenSize();
    }

    /**
     * Checks, before any work, that the model's norms can be fused and that the slicing leaves at
     * least one round interval of dimensions.
     *
     * @return the kept width {@code d'}
     * @throws IllegalArgumentException naming the problem
     */
    public int validate() {
        NormFusion.requireFusable(model);
        return options.dimension(hidden);
    }

    /**
     * Slices the model on {@code windows} (token ids, all of the same length, each run from position 0).
     *
     * @param progress told how many window passes of all are done ({@code what} names the step)
     */
    public SliceResult run(int[][] windows, WriteProgress progress) {
        int dim = validate();
        if (windows.length == 0) {
            throw new IllegalArgumentException("no calibration windows");
        }
        int seqlen = windows[0].length;
        for (int[] w : windows) {
            if (w.length != seqlen) {
                throw new IllegalArgumentException("calibration windows must all have the same length");
            }
        }
        if (seqlen > model.rope().maxPositions()) {
            throw new IllegalArgumentException("windows of " + seqlen + " tokens exceed the model's context of "
                    + model.rope().maxPositions());
        }
        long start = System.nanoTime();
        int layers = config.numLayers();
        SlicingConfig slicing = SlicingConfig.constant(hidden, layers, dim, false);
        Runner runner = new Runner(windows, seqlen, Math.min(options.chunk(), seqlen));
        Progress tick = new Progress(progress, (long) windows.length * (1 + 2L * layers));
        Map<String, SlicedTensor> tensors = new LinkedHashMap<>();
        List<PcaStep> steps = new ArrayList<>();

        tick.what = "embeddings";
        Pca pca = Pca.of(runner.embedAll(tick));
        steps.add(new PcaStep("embeddings", -1, dim, pca.explained(dim)));
        double[] q = pca.vectors();
        DType embeddingDtype = dtype(model.embeddings().dtype());
        float[] embeddings = put(tensors, LlamaTensorNames.EMBED, embeddingDtype,
                rotateColumns(NormFusion.embeddings(model), config.vocabSize(), q, dim), config.vocabSize(), dim);

        List<DecoderLayer> sliced = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            DecoderLayer src = model.layers().get(i);
            int in = slicing.attentionInput(i);
            int mid = slicing.attentionOutput(i);
            int out = slicing.mlpOutput(i);
            float[] inNorm = DecoderLayer.weightlessNorm(in, hidden);
            float[] midNorm = DecoderLayer.weightlessNorm(mid, hidden);

            // attention inputs: norm folded, rotated by Q, sliced to the input width
            Linear qp = inputLinear(tensors, src.q(), src.inputNorm(), q, in);
            Linear kp = inputLinear(tensors, src.k(), src.inputNorm(), q, in);
            Linear vp = inputLinear(tensors, src.v(), src.inputNorm(), q, in);
            Linear toInput = DenseLinear.ofFloats("rotation into block " + i, toFloats(columns(q, hidden, in, true)),
                    in, hidden, null, kernels);

            // the MLP's input in the original basis: attention's residual carried back through Qᵀ[:in, :]
            tick.what = "block " + (i + 1) + "/" + layers + " attention";
            DecoderLayer probe = new DecoderLayer(inNorm, qp, kp, vp, src.o(), src.postAttentionNorm(), src.gate(),
                    src.up(), src.down(), heapLinear("shortcut probe", toFloats(columns(q, hidden, in, false)), hidden, in),
                    null);
            Pca midPca = Pca.of(runner.pass(probe, toInput, false, false, tick));
            steps.add(new PcaStep("attention", i, mid, midPca.explained(mid)));
            double[] qMid = midPca.vectors();
            double[] qMidT = Gemm.transpose(qMid, hidden, hidden);

            Linear op = outputLinear(tensors, src.o(), qMidT, mid);
            Linear attnShortcut = shortcut(tensors, layer(i, LlamaTensorNames.ATTN_SHORTCUT), dtype(src.o()), qMidT, mid,
                    q, in);
            Linear gate = inputLinear(tensors, src.gate(), src.postAttentionNorm(), qMid, mid);
            Linear up = inputLinear(tensors, src.up(), src.postAttentionNorm(), qMid, mid);

            // the block's outputs in the original basis: the MLP's residual carried back through Q_midᵀ[:mid, :]
            tick.what = "block " + (i + 1) + "/" + layers + " MLP";
            DecoderLayer halfway = new DecoderLayer(inNorm, qp, kp, vp, op, midNorm, gate, up, src.down(), attnShortcut,
                    heapLinear("shortcut probe", toFloats(columns(qMid, hidden, mid, false)), hidden, mid));
            Pca outPca = Pca.of(runner.pass(halfway, toInput, true, true, tick));
            steps.add(new PcaStep("mlp", i, out, outPca.explained(out)));
            double[] qNext = outPca.vectors();
            double[] qNextT = Gemm.transpose(qNext, hidden, hidden);

            Linear down = outputLinear(tensors, src.down(), qNextT, out);
            Linear mlpShortcut = shortcut(tensors, layer(i, LlamaTensorNames.MLP_SHORTCUT), dtype(src.down()), qNextT,
                    out, qMid, mid);
            sliced.add(new DecoderLayer(inNorm, qp, kp, vp, op, midNorm, gate, up, down, attnShortcut, mlpShortcut));
            q = qNext;
        }

        DenseLinear head = (DenseLinear) model.lmHead();
        int headDim = slicing.headDimension();
        float[] headWeights = put(tensors, LlamaTensorNames.LM_HEAD, dtype(head),
                rotateColumns(NormFusion.foldScale(head, model.finalNorm()), config.vocabSize(), q, headDim),
                config.vocabSize(), headDim);
        LlamaModel result = LlamaModel.inMemory(NormFusion.untied(config), kernels,
                NormFusion.heapMatrix(embeddings, config.vocabSize(), dim), sliced,
                DecoderLayer.weightlessNorm(headDim, hidden),
                DenseLinear.ofFloats(LlamaTensorNames.LM_HEAD, headWeights, config.vocabSize(), headDim, null, kernels),
                slicing);
        return new SliceResult(result, slicing, options, tensors, steps, ParameterCount.of(model),
                ParameterCount.of(tensors), (System.nanoTime() - start) / 1e9);
    }

    // ---- weights ----

    /** q/k/v or gate/up: {@code (W·diag(norm)·Q)[:, :keep]}, recorded as a tensor, as a linear. */
    private Linear inputLinear(Map<String, SlicedTensor> tensors, Linear source, float[] norm, double[] q, int keep) {
        DenseLinear d = (DenseLinear) source;
        float[] w = put(tensors, d.name(), dtype(d), rotateColumns(NormFusion.foldScale(d, norm), d.outFeatures(), q, keep),
                d.outFeatures(), keep);
        putBias(tensors, d, d.bias());
        return DenseLinear.ofFloats(d.name(), w, d.outFeatures(), keep, d.bias(), kernels);
    }

    /** o_proj or down_proj: {@code (Qᵀ·W)[:keep, :]} and {@code (Qᵀ·b)[:keep]}, recorded, as a linear. */
    private Linear outputLinear(Map<String, SlicedTensor> tensors, Linear source, double[] qT, int keep) {
        DenseLinear d = (DenseLinear) source;
        int cols = d.inFeatures();
        double[] rotated = Gemm.multiply(Gemm.View.of(qT, hidden), Gemm.View.of(toDoubles(d.toFloats()), cols), keep,
                hidden, cols, pool, kernels);
        float[] w = put(tensors, d.name(), dtype(d), toFloats(rotated), keep, cols);
        float[] bias = null;
        if (d.bias() != null) {
            double[] b = Gemm.multiply(Gemm.View.of(qT, hidden), Gemm.View.of(toDoubles(d.bias()), 1), keep, hidden, 1,
                    pool, kernels);
            bias = roundTo(biasDtype(d), toFloats(b));
            String name = biasName(d.name());
            tensors.put(name, new SlicedTensor(name, biasDtype(d), Shape.of(keep), bias));
        }
        return DenseLinear.ofFloats(d.name(), w, keep, cols, bias, kernels);
    }

    /**
     * A shortcut {@code S = Q_aᵀ[:in, :]·Q_b[:, :out]} ({@code [in][out]}, as SliceGPT stores it),
     * recorded, and the engine's linear over {@code Sᵀ = Q_bᵀ[:out, :]·Q_a[:, :in]}.
     */
    private Linear shortcut(Map<String, SlicedTensor> tensors, String name, DType dtype, double[] qbT, int out,
                            double[] qa, int in) {
        double[] st = Gemm.multiply(Gemm.View.of(qbT, hidden), Gemm.View.of(qa, hidden), out, hidden, in, pool, kernels);
        float[] engine = roundTo(dtype, toFloats(st));
        float[] stored = new float[in * out];
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < in; c++) {
                stored[c * out + r] = engine[r * in + c];
            }
        }
        tensors.put(name, new SlicedTensor(name, dtype, Shape.of(in, out), stored));
        return DenseLinear.ofFloats(name, engine, out, in, null, kernels);
    }

    private Linear heapLinear(String name, float[] w, int rows, int cols) {
        return DenseLinear.ofFloats(name, w, rows, cols, null, kernels);
    }

    /**
     * {@code (W·Q)[:, :keep]} for {@code W} of {@code rows × hidden}, in double, a few thousand rows at
     * a time so a vocabulary-sized matrix needs no second full-size copy in double.
     */
    private float[] rotateColumns(float[] w, int rows, double[] q, int keep) {
        float[] out = new float[rows * keep];
        int step = 4096;
        double[] block = new double[Math.min(rows, step) * hidden];
        for (int r0 = 0; r0 < rows; r0 += step) {
            int n = Math.min(step, rows - r0);
            for (int i = 0, src = r0 * hidden; i < n * hidden; i++) {
                block[i] = w[src + i];
            }
            double[] rotated = Gemm.multiply(Gemm.View.of(block, hidden), Gemm.View.of(q, hidden), n, hidden, keep,
                    pool, kernels);
            for (int i = 0; i < n * keep; i++) {
                out[r0 * keep + i] = (float) rotated[i];
            }
        }
        return out;
    }

    /**
     * The first {@code keep} columns of {@code Q} ({@code hidden × keep}), or with {@code transpose}
     * their transpose ({@code keep × hidden}, the first rows of {@code Qᵀ}).
     */
    private double[] columns(double[] q, int n, int keep, boolean transpose) {
        double[] out = new double[n * keep];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < keep; c++) {
                if (transpose) {
                    out[c * n + r] = q[r * n + c];
                } else {
                    out[r * keep + c] = q[r * n + c];
                }
            }
        }
        return out;
    }

    /** Rounds {@code values} to {@code dtype}, records them as a tensor and returns them. */
    private static float[] put(Map<String, SlicedTensor> tensors, String name, DType dtype, float[] values, int rows,
                               int cols) {
        float[] v = roundTo(dtype, values);
        tensors.put(name, new SlicedTensor(name, dtype, Shape.of(rows, cols), v));
        return v;
    }

    /** Input-side rotations leave a bias as it is: it is recorded unchanged. */
    private void putBias(Map<String, SlicedTensor> tensors, DenseLinear d, float[] bias) {
        if (bias != null) {
            String name = biasName(d.name());
            tensors.put(name, new SlicedTensor(name, biasDtype(d), Shape.of(bias.length), bias.clone()));
        }
    }

    private DType biasDtype(DenseLinear d) {
        String name = biasName(d.name());
        return model.checkpoint() != null && model.checkpoint().tensor(name) != null
                ? model.checkpoint().tensor(name).dtype() : dtype(d);
    }

    private static String biasName(String weightName) {
        if (!weightName.endsWith(".weight")) {
            throw new IllegalArgumentException("not a weight tensor name: " + weightName);
        }
        return weightName.substring(0, weightName.length() - ".weight".length()) + ".bias";
    }

    /** {@code values} rounded to what {@code dtype} can hold (a no-op for F32), in place. */
    static float[] roundTo(DType dtype, float[] values) {
        switch (dtype) {
            case F32 -> { }
            case BF16 -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(values[i]));
                }
            }
            case F16 -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = FloatFormats.f16ToFloat(FloatFormats.floatToF16(values[i]));
                }
            }
            default -> throw new IllegalArgumentException("not a weight dtype: " + dtype);
        }
        return values;
    }

    private static DType dtype(Linear l) {
        return dtype(((DenseLinear) l).weight().dtype());
    }

    private static DType dtype(WeightDtype d) {
        return switch (d) {
            case F32 -> DType.F32;
            case BF16 -> DType.BF16;
            case F16 -> DType.F16;
        };
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    // ---- calibration passes ----

    /** Runs blocks over every window, holding each window's residual stream (original basis) between blocks. */
    private final class Runner {
        private final int[][] windows;
        private final int seqlen;
        private final int chunk;
        /** Per window, {@code [seqlen][hidden]}: the current block's inputs in the original basis. */
        private final float[][] states;
        private final Activations activations;
        private final KvCache cache;

        Runner(int[][] windows, int seqlen, int chunk) {
            this.windows = windows;
            this.seqlen = seqlen;
            this.chunk = chunk;
            this.states = new float[windows.length][];
            this.activations = new Activations(config, chunk, seqlen, pool.threads());
            this.cache = KvCacheType.F32.create(oneLayer(config), seqlen, kernels);
        }

        /** Embeds every window into the states; the covariance of the embeddings. */
        DMatrixRMaj embedAll(Progress tick) {
            LinearStatistics stats = LinearStatistics.withHessian(hidden, parallelism);
            for (int w = 0; w < windows.length; w++) {
                float[] s = new float[seqlen * hidden];
                for (int t = 0; t < seqlen; t++) {
                    model.embed(windows[w][t], s, t * hidden);
                }
                states[w] = s;
                stats.add(s, seqlen, hidden, 1);
                tick.step();
            }
            return covariance(stats);
        }

        /**
         * Rotates each window's states into the block's input ({@code toInput}), runs its attention
         * (and with {@code whole} its MLP), and returns the covariance of what comes out, which must
         * be {@code hidden} wide (original basis); with {@code keep}, that becomes the new states.
         */
        DMatrixRMaj pass(DecoderLayer block, Linear toInput, boolean whole, boolean keep, Progress tick) {
            LinearStatistics stats = LinearStatistics.withHessian(hidden, parallelism);
            Activations a = activations;
            int in = toInput.outFeatures();
            for (int w = 0; w < windows.length; w++) {
                float[] s = states[w];
                for (int from = 0; from < seqlen; from += chunk) {
                    int batch = Math.min(chunk, seqlen - from);
                    System.arraycopy(s, from * hidden, a.x, 0, batch * hidden);
                    pool.forRange(in, (r0, r1, worker) -> toInput.apply(a.x, batch, a.xb, r0, r1));
                    System.arraycopy(a.xb, 0, a.x, 0, batch * in);
                    transformer.attentionSublayer(block, 0, a, batch, from, cache);
                    if (whole) {
                        transformer.mlpSublayer(block, 0, a, batch);
                    }
                    stats.add(a.x, batch, hidden, from == 0 ? 1 : 0);
                    if (keep) {
                        System.arraycopy(a.x, 0, s, from * hidden, batch * hidden);
                    }
                }
                tick.step();
            }
            return covariance(stats);
        }

        /** {@code Σ xxᵀ} over every token: the statistics keep {@code (2 / samples)·Σ xxᵀ}. */
        private DMatrixRMaj covariance(LinearStatistics stats) {
            DMatrixRMaj h = stats.hessian();
            double scale = stats.samples() / 2.0;
            for (int i = 0; i < h.data.length; i++) {
                h.data[i] *= scale;
            }
            return h;
        }
    }

    /** {@code c} with one layer: the calibration passes run one block at a time on one layer of cache. */
    private static ModelConfig oneLayer(ModelConfig c) {
        return new ModelConfig(c.family(), c.hiddenSize(), c.intermediateSize(), 1, c.numHeads(), c.numKvHeads(),
                c.headDim(), c.vocabSize(), c.maxPositionEmbeddings(), c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(),
                c.tieWordEmbeddings(), c.qkvBias(), c.oBias(), c.mlpBias(), c.bosTokenIds(), c.eosTokenIds(),
                c.torchDtype());
    }

    /** Counts window passes and forwards them to the caller's progress. */
    private static final class Progress {
        private final WriteProgress target;
        private final long total;
        private long done;
        String what = "";

        Progress(WriteProgress target, long total) {
            this.target = target;
            this.total = total;
        }

        void step() {
            target.update(++done, total, what);
        }
    }
}
