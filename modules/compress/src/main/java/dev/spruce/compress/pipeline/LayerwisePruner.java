package dev.spruce.compress.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.spruce.checkpoint.WriteProgress;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.compress.prune.DsnotRefiner;
import dev.spruce.compress.prune.LinearStatistics;
import dev.spruce.compress.prune.OutlierRatio;
import dev.spruce.compress.prune.Parallelism;
import dev.spruce.compress.prune.PruneResult;
import dev.spruce.compress.prune.Pruner;
import dev.spruce.compress.prune.SparsityPattern;
import dev.spruce.compress.prune.SparsityPlan;
import dev.spruce.kernels.DenseMatrix;
import dev.spruce.model.DecoderLayer;
import dev.spruce.model.DenseLinear;
import dev.spruce.model.Linear;
import dev.spruce.model.LinearObserver;
import dev.spruce.model.LinearRole;
import dev.spruce.model.LlamaModel;
import dev.spruce.model.Transformer;
import dev.spruce.model.WorkerPool;

/**
 * The sequential layer-wise pruning pipeline of SparseGPT and Wanda: block {@code i} is calibrated
 * on the outputs of the already-pruned blocks {@code 0..i-1}.
 *
 * <ol>
 *   <li>Embed every calibration window: the inputs of block 0.
 *   <li>For each block: run it dense over every window while an observer gathers the statistics of
 *       its linears' inputs (one object for q/k/v and one for gate/up, which share their inputs;
 *       Hessians only for SparseGPT); prune the seven linears (optionally DSnoT on top); swap the
 *       block for one with the pruned heap F32 weights; run the pruned block over every window,
 *       which measures each linear's reconstruction error and gives the next block's inputs.
 * </ol>
 * Embeddings, the final norm and lm_head are never pruned.
 *
 * <p>Memory: the residual stream of every window ({@code nsamples × seqlen × hidden} floats, held
 * once and overwritten block by block), one block's statistics (with SparseGPT, a
 * {@code features²} double Hessian for each of the four distinct inputs), scratch activations for
 * {@code chunk} tokens, and one block's weights as heap floats while it is pruned. Pruned blocks
 * go to a {@link WeightSpill} in their source dtype and run from its mapping.
 */
public final class LayerwisePruner {

    /** The linears whose inputs are distinct: q/k/v share one, gate/up another. */
    private static final List<LinearRole> STATISTIC_OWNERS = List.of(LinearRole.Q, LinearRole.O, LinearRole.GATE,
            LinearRole.DOWN);

    private final Transformer transformer;
    private final LlamaModel model;
    private final ModelConfig config;
    private final PipelineOptions options;
    private final Parallelism parallelism;

    /**
     * @param transformer the forward pass over the model to prune; its blocks are replaced as they are pruned
     * @param parallelism where SparseGPT, the Hessians and DSnoT split their work (the forward pass
     *                    uses the transformer's own pool)
     */
    public LayerwisePruner(Transformer transformer, PipelineOptions options, Parallelism parallelism) {
        this.transformer = transformer;
        this.model = transformer.model();
        this.config = model.config();
        this.options = options;
        this.parallelism = parallelism;
    }

    /**
     * Checks, before any work, that every linear can take the pattern and is a dense linear.
     *
     * @throws IllegalArgumentException naming the tensor and the problem
     */
    public void validate() {
        for (DecoderLayer layer : model.layers()) {
            for (LinearRole role : LinearRole.values()) {
                Linear l = layer.linear(role);
                if (!(l instanceof DenseLinear)) {
                    throw new IllegalArgumentException(l.name() + ": only dense linears can be pruned, this one is "
                            + l.getClass().getSimpleName());
                }
                try {
                    options.pattern().requireFits(l.outFeatures(), l.inFeatures());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(l.name() + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /**
     * Prunes every block of the model on {@code windows} (token ids, all of the same length, each
     * run from position 0).
     *
     * @param spill    where the pruned weights go (the model runs on them from there; keep it open
     *                 while the model or the result is used)
     * @param progress told how many window passes of all are done ({@code what} names the block)
     */
    public PipelineResult run(int[][] windows, WeightSpill spill, WriteProgress progress) {
        validate();
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
        int layers = model.layers().size();
        int chunk = Math.min(options.chunk(), seqlen);
        Runner runner = new Runner(windows, seqlen, chunk);
        long passes = (long) layers * windows.length * (options.plan() == LayerPlan.OWL ? 3 : 2);
        Progress tick = new Progress(progress, passes);

        double[] ratios = null;
        SparsityPlan plan = null;
        if (options.plan() == LayerPlan.OWL) {
            ratios = outlierRatios(runner, tick);
            plan = SparsityPlan.owl(ratios, options.pattern().sparsity());
        }

        runner.embedAll();
        List<BlockReport> blocks = new ArrayList<>();
        Map<String, DenseMatrix> weights = new LinkedHashMap<>();
        for (int layer = 0; layer < layers; layer++) {
            long blockStart = System.nanoTime();
            SparsityPattern pattern = plan == null ? options.pattern() : plan.pattern(layer);
            tick.what = "block " + (layer + 1) + "/" + layers;

            Map<LinearRole, LinearStatistics> stats = newStatistics();
            runner.pass(layer, statisticsObserver(layer, stats, runner), false, tick);

            DecoderLayer dense = model.layers().get(layer);
            EnumMap<LinearRole, float[]> pruned = new EnumMap<>(LinearRole.class);
            EnumMap<LinearRole, Double> seconds = new EnumMap<>(LinearRole.class);
            for (LinearRole role : LinearRole.values()) {
                long t0 = System.nanoTime();
                DenseLinear linear = (DenseLinear) dense.linear(role);
                pruned.put(role, prune(linear, role, pattern, stats.get(owner(role))));
                seconds.put(role, (System.nanoTime() - t0) / 1e9);
            }
            stats = null; // the Hessians can be large: let them go before the second pass
            EnumMap<LinearRole, Double> sparsity = new EnumMap<>(LinearRole.class);
            for (LinearRole role : LinearRole.values()) {
                sparsity.put(role, zeroFraction(pruned.get(role)));
            }
            DecoderLayer sparse = withWeights(dense, spill(spill, dense, pruned));
            pruned = null;
            model.replaceLayer(layer, sparse);

            ErrorObserver errors = new ErrorObserver(layer, dense, sparse, runner);
            runner.pass(layer, errors, true, tick);

            List<LinearReport> linears = new ArrayList<>();
            for (LinearRole role : LinearRole.values()) {
                Linear l = dense.linear(role);
                weights.put(l.name(), ((DenseLinear) sparse.linear(role)).weight());
                linears.add(new LinearReport(layer, role, l.name(), l.outFeatures(), l.inFeatures(), pattern.toString(),
                        sparsity.get(role), errors.relativeError(role), dsnotApplies(role), seconds.get(role)));
            }
            blocks.add(new BlockReport(layer, pattern.sparsity(), ratios == null ? Double.NaN : ratios[layer], linears,
                    (System.nanoTime() - blockStart) / 1e9));
        }
        transformer.setObserver(null);
        return new PipelineResult(blocks, weights, (System.nanoTime() - start) / 1e9);
    }

    private boolean dsnotApplies(LinearRole role) {
        return options.dsnot() != null && options.dsnot().applies(role);
    }

    private float[] prune(DenseLinear linear, LinearRole role, SparsityPattern pattern, LinearStatistics stats) {
        int rows = linear.outFeatures();
        int cols = linear.inFeatures();
        float[] dense = linear.toFloats();
        float[] w = dense.clone();
        Pruner pruner = options.method().pruner(parallelism);
        PruneResult initial = pruner.prune(w, rows, cols, pattern, stats);
        if (!dsnotApplies(role)) {
            return w;
        }
        DsnotRefiner refiner = new DsnotRefiner(options.dsnotOptions(), parallelism);
        if (stats.hasHessian()) {
            // SparseGPT: its updates stay, grown weights are fitted, and no swap raises the error it minimised
            refiner.refine(dense, w, rows, cols, initial.kept(), pattern, stats);
        } else {
            refiner.refine(dense, rows, cols, initial.kept(), pattern, stats);
        }
        return dense;
    }

    /** Each pruned matrix into the spill, in its source dtype. */
    private static Map<LinearRole, DenseMatrix> spill(WeightSpill spill, DecoderLayer dense,
                                                      Map<LinearRole, float[]> pruned) {
        EnumMap<LinearRole, DenseMatrix> out = new EnumMap<>(LinearRole.class);
        for (LinearRole role : LinearRole.values()) {
            DenseLinear d = (DenseLinear) dense.linear(role);
            try {
                out.put(role, spill.put(d.name(), pruned.get(role), d.weight().dtype(), d.outFeatures(), d.inFeatures()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot spill " + d.name() + " to " + spill.file(), e);
            }
        }
        return out;
    }

    private DecoderLayer withWeights(DecoderLayer dense, Map<LinearRole, DenseMatrix> pruned) {
        EnumMap<LinearRole, Linear> l = new EnumMap<>(LinearRole.class);
        for (LinearRole role : LinearRole.values()) {
            DenseLinear d = (DenseLinear) dense.linear(role);
            l.put(role, new DenseLinear(d.name(), pruned.get(role), d.bias(), model.kernels()));
        }
        return new DecoderLayer(dense.inputNorm(), l.get(LinearRole.Q), l.get(LinearRole.K), l.get(LinearRole.V),
                l.get(LinearRole.O), dense.postAttentionNorm(), l.get(LinearRole.GATE), l.get(LinearRole.UP),
                l.get(LinearRole.DOWN));
    }

    /** OWL's pre-pass: the dense model block by block, each block's outlier ratio from its statistics. */
    private double[] outlierRatios(Runner runner, Progress tick) {
        int layers = model.layers().size();
        double[] ratios = new double[layers];
        runner.embedAll();
        for (int layer = 0; layer < layers; layer++) {
            tick.what = "OWL outliers, block " + (layer + 1) + "/" + layers;
            Map<LinearRole, LinearStatistics> stats = new EnumMap<>(LinearRole.class);
            for (LinearRole owner : STATISTIC_OWNERS) {
                stats.put(owner, LinearStatistics.create(featuresOf(owner)));
            }
            runner.pass(layer, statisticsObserver(layer, stats, runner), true, tick);
            DecoderLayer dense = model.layers().get(layer);
            List<OutlierRatio.Linear> linears = new ArrayList<>();
            for (LinearRole role : LinearRole.values()) {
                DenseLinear d = (DenseLinear) dense.linear(role);
                linears.add(new OutlierRatio.Linear(d.toFloats(), d.outFeatures(), d.inFeatures(),
                        stats.get(owner(role))));
            }
            ratios[layer] = OutlierRatio.of(linears);
        }
        return ratios;
    }

    private Map<LinearRole, LinearStatistics> newStatistics() {
        Map<LinearRole, LinearStatistics> stats = new EnumMap<>(LinearRole.class);
        for (LinearRole owner : STATISTIC_OWNERS) {
            int features = featuresOf(owner);
            stats.put(owner, options.method().needsHessian() ? LinearStatistics.withHessian(features, parallelism)
                    : LinearStatistics.create(features));
        }
        return stats;
    }

    private int featuresOf(LinearRole role) {
        return switch (role) {
            case Q, K, V, GATE, UP -> config.hiddenSize();
            case O -> config.queryDim();
            case DOWN -> config.intermediateSize();
        };
    }

    /** The linear whose statistics object serves {@code role}. */
    private static LinearRole owner(LinearRole role) {
        return switch (role) {
            case Q, K, V -> LinearRole.Q;
            case O -> LinearRole.O;
            case GATE, UP -> LinearRole.GATE;
            case DOWN -> LinearRole.DOWN;
        };
    }

    private static LinearObserver statisticsObserver(int block, Map<LinearRole, LinearStatistics> stats, Runner runner) {
        return (layer, role, input, batch, features) -> {
            LinearStatistics s = layer == block ? stats.get(role) : null;
            if (s != null) { // only the owners are in the map: q/k/v and gate/up are added once
                s.add(input, batch, features, runner.firstChunk ? 1 : 0);
            }
        };
    }

    private static double zeroFraction(float[] w) {
        long zeros = 0;
        for (float v : w) {
            if (v == 0f) {
                zeros++;
            }
        }
        return (double) zeros / w.length;
    }

    /** Runs one block over every window, holding the residual streams between blocks. */
    private final class Runner {
        private final int[][] windows;
        private final int seqlen;
        private final int chunk;
        private final int hidden = config.hiddenSize();
        /** Per window, {@code [seqlen][hidden]}: the current block's inputs. */
        private final float[][] states;
        private final dev.spruce.model.Activations activations;
        private final SingleBlockKvCache cache;
        boolean firstChunk;
        int window;

        Runner(int[][] windows, int seqlen, int chunk) {
            this.windows = windows;
            this.seqlen = seqlen;
            this.chunk = chunk;
            this.states = new float[windows.length][];
            WorkerPool pool = transformer.pool();
            this.activations = new dev.spruce.model.Activations(config, chunk, seqlen, pool.threads());
            this.cache = new SingleBlockKvCache(config, seqlen, model.kernels());
        }

        void embedAll() {
            for (int w = 0; w < windows.length; w++) {
                float[] s = states[w] != null ? states[w] : new float[seqlen * hidden];
                for (int t = 0; t < seqlen; t++) {
                    model.embed(windows[w][t], s, t * hidden);
                }
                states[w] = s;
            }
        }

        /** Block {@code layer} over every window with {@code observer}; {@code keep} stores its outputs. */
        void pass(int layer, LinearObserver observer, boolean keep, Progress tick) {
            transformer.setObserver(observer);
            try {
                for (window = 0; window < windows.length; window++) {
                    float[] s = states[window];
                    for (int from = 0; from < seqlen; from += chunk) {
                        int batch = Math.min(chunk, seqlen - from);
                        System.arraycopy(s, from * hidden, activations.x, 0, batch * hidden);
                        firstChunk = from == 0;
                        transformer.block(layer, activations, batch, from, cache);
                        if (keep) {
                            System.arraycopy(activations.x, 0, s, from * hidden, batch * hidden);
                        }
                    }
                    tick.step();
                }
            } finally {
                transformer.setObserver(null);
            }
        }
    }

    /**
     * During the pruned block's pass, compares each linear's output with the dense weights' on the
     * same input: {@code ‖WX − ŴX‖² } and {@code ‖WX‖²} summed over the first
     * {@link PipelineOptions#errorWindows()} windows.
     */
    private final class ErrorObserver implements LinearObserver {
        private final int block;
        private final DecoderLayer dense;
        private final DecoderLayer sparse;
        private final Runner runner;
        private final EnumMap<LinearRole, double[]> sums = new EnumMap<>(LinearRole.class);
        private float[] denseOut = new float[0];
        private float[] sparseOut = new float[0];

        ErrorObserver(int block, DecoderLayer dense, DecoderLayer sparse, Runner runner) {
            this.block = block;
            this.dense = dense;
            this.sparse = sparse;
            this.runner = runner;
        }

        @Override
        public void observe(int layer, LinearRole role, float[] input, int batch, int features) {
            if (layer != block || runner.window >= options.errorWindows()) {
                return;
            }
            Linear d = dense.linear(role);
            Linear s = sparse.linear(role);
            int rows = d.outFeatures();
            int n = batch * rows;
            if (denseOut.length < n) {
                denseOut = new float[n];
                sparseOut = new float[n];
            }
            WorkerPool pool = transformer.pool();
            pool.forRange(rows, (start, end, worker) -> {
                d.apply(input, batch, denseOut, start, end);
                s.apply(input, batch, sparseOut, start, end);
            });
            double diff = 0;
            double ref = 0;
            for (int i = 0; i < n; i++) {
                double a = denseOut[i];
                double e = a - sparseOut[i];
                diff += e * e;
                ref += a * a;
            }
            double[] sum = sums.computeIfAbsent(role, r -> new double[2]);
            sum[0] += diff;
            sum[1] += ref;
        }

        double relativeError(LinearRole role) {
            double[] sum = sums.get(role);
            if (sum == null) {
                return Double.NaN;
            }
            return sum[1] == 0 ? (sum[0] == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.sqrt(sum[0] / sum[1]);
        }
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
