package dev.spruce.bench.attention;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import dev.spruce.bench.checkpoint.Stats;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.kernels.KernelProvider;
import dev.spruce.model.Activations;
import dev.spruce.model.HeadGroups;
import dev.spruce.model.KvCache;
import dev.spruce.model.KvCacheType;
import dev.spruce.model.LlamaModel;
import dev.spruce.model.PolicyKvCache;
import dev.spruce.model.Transformer;
import dev.spruce.model.WorkerPool;
import dev.spruce.model.attention.AttentionSettings;
import dev.spruce.model.attention.DoubleSparsitySettings;
import dev.spruce.model.attention.H2oSettings;
import dev.spruce.model.attention.HighPrecision;
import dev.spruce.model.attention.MikvSettings;

/**
 * Long-context decode: dense attention vs Double Sparsity side by side in one run, at several
 * context lengths, on a checkpoint whose max context allows them (a synthetic one with real
 * shapes); then the KV memory of one session, dense vs MiKV.
 *
 * <p>For each context L and each variant, a cache of L positions is created and its first
 * {@code L - decode} positions are filled cheaply: the real {@link KvCache#store} path (labels
 * included) with synthetic keys and values, seeded Gaussians whose per-channel scale varies
 * (a few channels ten times larger, as real keys have outlier channels), the same for every
 * variant. Prefilling 32K positions through the model would take hours on 2 cores; nothing
 * measured depends on the values except which positions top-k picks, and the selection costs
 * the same for any values. Then:
 * <ul>
 *   <li>attention time per decoded token: every layer's attention for one query per head (seeded
 *       random queries) through the cache's own attention (what the forward pass calls), heads
 *       split over the worker pool as the forward pass splits them; wall time of all layers;
 *   <li>end-to-end decode: {@code decode} real decode steps through {@link Transformer} (embed,
 *       every block with its store and attention, the head) at positions {@code L - decode ..},
 *       wall time per token.
 * </ul>
 * Every figure is min / median / max over the repetitions; ratios are of medians.
 *
 * <p>{@code dense} is the forward pass's dense attention: the query heads of a KV head together
 * ({@code KvCache.attendGroup}, keys and values read once per group); {@code dense/h} is the same
 * cache attended one query head at a time, as the forward pass did before (keys and values read
 * once per query head). Ratios are against {@code dense}.
 *
 * <p>{@code dense-hm} is the Double Sparsity cache with k above every context: dense (grouped)
 * attention over its own head-major storage ({@code [kvHead][position][headDim]}, the F32 cache's
 * layout too), so the table separates what the sparsity gives from the cache's own overheads.
 *
 * <p>Usage: {@code SparseAttentionBench [--threads 2] [--contexts 1024,4096,16384,32768]
 * [--decode 6] [--attention-repeats 5] [--dense-layers 2] DIR...}
 */
public final class SparseAttentionBench {

    /** @param perHead attention one query head at a time (the dense path before grouped attention) */
    private record Variant(String name, AttentionSettings settings, boolean perHead) {
        Variant(String name, AttentionSettings settings) {
            this(name, settings, false);
        }
    }

    private SparseAttentionBench() {
    }

    public static void main(String[] args) throws Exception {
        int threads = 2;
        int decode = 6;
        int repeats = 5;
        int denseLayers = 2;
        List<Integer> contexts = List.of(1024, 4096, 16384, 32768);
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--decode" -> decode = Integer.parseInt(args[++i]);
                case "--attention-repeats" -> repeats = Integer.parseInt(args[++i]);
                case "--dense-layers" -> denseLayers = Integer.parseInt(args[++i]);
                case "--contexts" -> contexts = java.util.Arrays.stream(args[++i].split(",")).map(Integer::valueOf).toList();
                default -> dirs.add(Path.of(args[i]));
            }
        }
        List<Variant> variants = List.of(
                new Variant("dense", AttentionSettings.DENSE),
                new Variant("dense/h", AttentionSettings.DENSE, true),
                new Variant("dense-hm", AttentionSettings.doubleSparse(
                        new DoubleSparsitySettings(1, Integer.MAX_VALUE, 1.0 / 8, 0, 4, 0, null)).withNotices(m -> { })),
                new Variant("ds 1/8", ds(1.0 / 8, denseLayers)),
                new Variant("ds 1/16", ds(1.0 / 16, denseLayers)));
        System.out.printf(Locale.ROOT, "sparse attention bench: %d threads, %s kernels, contexts %s, %d decode steps,"
                        + " %d attention repeats; Double Sparsity with channel ratio 1/8, 4-bit labels, %d dense layers%n",
                threads, KernelProvider.get().name() + "-" + KernelProvider.get().vectorBits(), contexts, decode, repeats,
                denseLayers);
        try (WorkerPool pool = WorkerPool.create(threads)) {
            for (Path dir : dirs) {
                try (LlamaModel model = LlamaModel.load(dir, KernelProvider.get())) {
                    bench(model, pool, dir, contexts, variants, decode, repeats);
                    memory(model, dir);
                }
            }
        }
    }

    private static AttentionSettings ds(double tokenRatio, int denseLayers) {
        return AttentionSettings.doubleSparse(new DoubleSparsitySettings(tokenRatio, 0, 1.0 / 8, 0, 4, denseLayers, null))
                .withNotices(m -> { });
    }

    private static void bench(LlamaModel model, WorkerPool pool, Path dir, List<Integer> contexts, List<Variant> variants,
                              int decode, int repeats) {
        ModelConfig c = model.config();
        Transformer transformer = new Transformer(model, pool);
        System.out.printf(Locale.ROOT, "%n%s: %d layers, %d heads (%d KV) of %d, max context %d%n", dir.getFileName(),
                c.numLayers(), c.numHeads(), c.numKvHeads(), c.headDim(), c.maxPositionEmbeddings());
        System.out.printf(Locale.ROOT, "%-8s %-8s %-34s %-34s %s%n", "context", "variant", "attention ms/token (min/med/max)",
                "decode tokens/s (min/med/max)", "speed-up vs dense (attention, decode)");
        // JIT warm-up on a small context, every variant, not reported: long enough for C2 to compile the
        // attention loops (a shorter one left vector code running unintrinsified in the first timed runs)
        for (Variant v : variants) {
            run(model, transformer, pool, Math.min(4096, contexts.getFirst()), v, 4, 10);
        }
        for (int context : contexts) {
            if (context > c.maxPositionEmbeddings()) {
                System.out.printf(Locale.ROOT, "%-8d skipped: the model's max context is %d%n", context,
                        c.maxPositionEmbeddings());
                continue;
            }
            double denseAttention = 0;
            double denseDecode = 0;
            for (Variant v : variants) {
                Stats[] s = run(model, transformer, pool, context, v, decode, repeats);
                if (v.settings().isDense() && !v.perHead()) {
                    denseAttention = s[0].median();
                    denseDecode = s[1].median();
                }
                System.out.printf(Locale.ROOT, "%-8d %-8s %-34s %-34s %s%n", context, v.name(), format(s[0], 2),
                        v.perHead() ? "-" : format(s[1], 2), v.settings().isDense() && !v.perHead() ? ""
                                : String.format(Locale.ROOT, "%.2fx%s", denseAttention / s[0].median(), v.perHead() ? ""
                                        : String.format(Locale.ROOT, ", %.2fx", s[1].median() / denseDecode)));
            }
        }
    }

    private static String format(Stats s, int digits) {
        String f = "%." + digits + "f";
        return String.format(Locale.ROOT, f + " / " + f + " / " + f, s.min(), s.median(), s.max());
    }

    /** {attention ms per token, decode tokens per second} for one context and variant. */
    private static Stats[] run(LlamaModel model, Transformer transformer, WorkerPool pool, int context, Variant v,
                               int decode, int repeats) {
        ModelConfig c = model.config();
        KvCache cache = v.settings().createCache(c, context, KvCacheType.F32, model.kernels());
        int filled = context - decode;
        fill(cache, c, filled);
        double[] attention = new double[repeats];
        Activations a = new Activations(c, 1, context, pool.threads());
        float[] q = new float[c.queryDim()];
        float[] out = new float[c.queryDim()];
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) random.nextGaussian();
        }
        float scale = (float) (1 / Math.sqrt(c.headDim()));
        for (int r = 0; r < repeats; r++) {
            long start = System.nanoTime();
            for (int layer = 0; layer < c.numLayers(); layer++) {
                attendAllHeads(cache, v.perHead(), pool, c, layer, q, filled, scale, out);
            }
            attention[r] = (System.nanoTime() - start) / 1e6;
        }
        if (v.perHead()) {
            return new Stats[] {Stats.of(attention), null};
        }
        double[] tokensPerSecond = new double[decode];
        int[] token = {1};
        float[] logits = new float[c.vocabSize()];
        for (int step = 0; step < decode; step++) {
            int position = filled + step;
            long start = System.nanoTime();
            transformer.embed(token, 0, 1, a);
            for (int layer = 0; layer < c.numLayers(); layer++) {
                transformer.block(layer, a, 1, position, cache);
            }
            transformer.head(a, 1, false, logits);
            token[0] = model.kernels().argmax(logits, 0, logits.length);
            tokensPerSecond[step] = 1e9 / (System.nanoTime() - start);
        }
        return new Stats[] {Stats.of(attention), Stats.of(tokensPerSecond)};
    }

    /**
     * One query per head over {@code length} cached positions, heads split over the pool as the
     * forward pass splits them (runs of heads sharing a KV head), or one head at a time.
     */
    private static void attendAllHeads(KvCache cache, boolean perHead, WorkerPool pool, ModelConfig c, int layer,
                                       float[] q, int length, float scale, float[] out) {
        int heads = c.numHeads();
        int group = heads / c.numKvHeads();
        int headDim = c.headDim();
        float[][] scores = new float[pool.threads()][];
        pool.forRange(heads, (start, end, worker) -> {
            float[] s = scores[worker] == null ? (scores[worker] = new float[group * length]) : scores[worker];
            HeadGroups.forEachRun(start, end, heads, group, (b, h, n, kvHead) -> {
                int at = h * headDim;
                if (perHead) {
                    for (int i = 0; i < n; i++) {
                        cache.attend(layer, kvHead, q, at + i * headDim, length, scale, s, out, at + i * headDim);
                    }
                } else if (cache instanceof PolicyKvCache p) {
                    p.attendHeads(layer, h, n, kvHead, q, at, headDim, length, scale, s, out, at);
                } else {
                    cache.attendGroup(layer, kvHead, q, at, n, headDim, length, scale, s, out, at);
                }
            });
        });
    }

    /** Seeded standard Gaussians the synthetic keys and values are cut from (drawing 32K × layers × kvDim afresh is slow). */
    private static final float[] GAUSSIANS = gaussians(1 << 20);

    private static float[] gaussians(int n) {
        SplittableRandom random = new SplittableRandom(7);
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) random.nextGaussian();
        }
        return g;
    }

    /**
     * Stores {@code positions} synthetic keys and values in every layer: runs of a fixed pool of
     * seeded Gaussians starting at seeded random offsets, each channel of a key scaled by 1, or by
     * 10 for one channel in 16 (outlier channels, as real keys have).
     */
    private static void fill(KvCache cache, ModelConfig c, int positions) {
        SplittableRandom random = new SplittableRandom(7);
        int kvDim = c.kvDim();
        float[] k = new float[kvDim];
        float[] v = new float[kvDim];
        for (int layer = 0; layer < c.numLayers(); layer++) {
            for (int p = 0; p < positions; p++) {
                int ko = random.nextInt(GAUSSIANS.length - kvDim);
                int vo = random.nextInt(GAUSSIANS.length - kvDim);
                for (int i = 0; i < kvDim; i++) {
                    k[i] = GAUSSIANS[ko + i] * (i % 16 == 3 ? 10f : 1f);
                    v[i] = GAUSSIANS[vo + i];
                }
                cache.store(layer, p, k, 0, v, 0);
            }
        }
    }

    /** Bytes one session's KV cache holds at the model's max context: dense F32 and BF16 vs MiKV settings. */
    private static void memory(LlamaModel model, Path dir) {
        ModelConfig c = model.config();
        int context = c.maxPositionEmbeddings();
        long bf16 = 2L * c.numLayers() * c.kvDim() * 2 * context;
        System.out.printf(Locale.ROOT, "%nKV memory of one %s session at %d positions:%n", dir.getFileName(), context);
        System.out.printf(Locale.ROOT, "  %-58s %,15d bytes%n", "dense F32 (the engine's default)", 2 * bf16);
        System.out.printf(Locale.ROOT, "  %-58s %,15d bytes%n", "dense BF16", bf16);
        for (MikvSettings m : List.of(MikvSettings.of(0.2, HighPrecision.BF16, 4), MikvSettings.of(0.2, HighPrecision.BF16, 2),
                MikvSettings.of(0.2, HighPrecision.INT8, 4), MikvSettings.of(0.2, HighPrecision.INT8, 2))) {
            AttentionSettings s = AttentionSettings.mikv(m);
            long bytes = s.createCache(c, context, KvCacheType.F32, model.kernels()).bytes();
            System.out.printf(Locale.ROOT, "  %-58s %,15d bytes  (%.2fx smaller than BF16)%n", s.describe(), bytes,
                    bf16 / (double) bytes);
        }
        AttentionSettings h2o = AttentionSettings.h2o(H2oSettings.of(0.2));
        long h = h2o.createCache(c, context, KvCacheType.F32, model.kernels()).bytes();
        System.out.printf(Locale.ROOT, "  %-58s %,15d bytes  (%.2fx smaller than BF16; evicted positions are gone)%n",
                h2o.describe(), h, bf16 / (double) h);
    }
}
