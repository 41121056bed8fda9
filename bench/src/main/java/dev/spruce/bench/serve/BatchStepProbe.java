package dev.spruce.bench.serve;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import dev.spruce.model.BatchDecoder;
import dev.spruce.model.DecoderLayer;
import dev.spruce.model.Engine;
import dev.spruce.model.KvCacheType;
import dev.spruce.model.Linear;
import dev.spruce.model.Session;
import dev.spruce.model.generation.Generation;
import dev.spruce.model.generation.GenerationRequest;
import dev.spruce.model.sampling.SamplingSettings;

/**
 * Where a continuous-batching server's time goes, one part at a time, without HTTP: the batched
 * decode step at each batch size, sampling a token per sequence, starting a request (new session,
 * prefill of a short prompt) and each linear's matrix product at each batch size on one thread.
 *
 * <p>Usage: {@code BatchStepProbe MODEL_DIR [THREADS] [ROUNDS]}. Every figure is min / median over
 * rounds that alternate the batch sizes back to back, so that load from other processes spreads
 * over all of them; single-thread parts are in thread CPU time, which other processes barely move.
 */
public final class BatchStepProbe {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final int[] BATCHES = {1, 2, 4, 8, 16};

    private BatchStepProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        String only = args.length > 3 ? args[3] : "all";
        try (Engine engine = Engine.open(dir, new Engine.Options(threads, KvCacheType.F32, 1024, 64))) {
            System.out.printf(Locale.ROOT, "%s, %d threads, load %s%n", dir.getFileName(), threads, load());
            if (only.equals("all") || only.equals("kernels")) {
                linears(engine, rounds);
            }
            if (only.equals("all") || only.equals("steps")) {
                steps(engine, rounds);
                sampling(engine, rounds);
                admission(engine, rounds);
            }
            System.out.printf(Locale.ROOT, "load %s%n", load());
        }
    }

    /** Batched decode steps: wall ms per step, and CPU ms of the pool's threads per step. */
    private static void steps(Engine engine, int rounds) {
        int max = BATCHES[BATCHES.length - 1];
        BatchDecoder decoder = BatchDecoder.of(engine, max);
        List<Session> sessions = new ArrayList<>();
        int[] prompt = engine.tokenizer().encodePrompt("Once upon a time");
        for (int i = 0; i < max; i++) {
            Session s = engine.newSession();
            s.forward(prompt, 0, prompt.length, false);
            sessions.add(s);
        }
        int stepsPerRun = 4;
        long[] poolThreads = poolThreadIds();
        double[][] wall = new double[BATCHES.length][rounds];
        double[][] cpu = new double[BATCHES.length][rounds];
        for (int round = -1; round < rounds; round++) {
            for (int i = 0; i < BATCHES.length; i++) {
                int batch = BATCHES[i];
                List<Session> used = sessions.subList(0, batch);
                for (Session s : used) {
                    if (s.position() > 200) {
                        s.reset();
                        s.forward(prompt, 0, prompt.length, false);
                    }
                }
                int[] tokens = new int[batch];
                Arrays.fill(tokens, prompt[prompt.length - 1]);
                long c0 = cpuOf(poolThreads);
                long t0 = System.nanoTime();
                for (int k = 0; k < stepsPerRun; k++) {
                    decoder.decode(used, tokens);
                }
                long t1 = System.nanoTime();
                long c1 = cpuOf(poolThreads);
                if (round >= 0) {
                    wall[i][round] = (t1 - t0) / 1e6 / stepsPerRun;
                    cpu[i][round] = (c1 - c0) / 1e6 / stepsPerRun;
                }
            }
        }
        System.out.println("batched decode step (ms): batch, wall min/median, pool CPU min/median, tokens/s at the median"
                + ", median wall / batch-1 median wall");
        double base = median(wall[0]);
        for (int i = 0; i < BATCHES.length; i++) {
            System.out.printf(Locale.ROOT, "  %2d  wall %7.1f / %7.1f   cpu %7.1f / %7.1f   %6.1f tok/s   x%.2f%n",
                    BATCHES[i], min(wall[i]), median(wall[i]), min(cpu[i]), median(cpu[i]),
                    BATCHES[i] * 1000 / median(wall[i]), median(wall[i]) / base);
        }
        sessions.forEach(Session::close);
    }

    /** One token sampled at temperature 0.8 (what bench/serve-load asks for): thread CPU ms per sequence. */
    private static void sampling(Engine engine, int rounds) {
        int[] prompt = engine.tokenizer().encodePrompt("Once upon a time");
        float[] logits;
        try (Session s = engine.newSession()) {
            logits = s.forward(prompt, 0, prompt.length, false);
        }
        int vocab = logits.length;
        double[] perToken = new double[rounds];
        int calls = 64;
        for (int round = -1; round < rounds; round++) {
            var request = new GenerationRequest(prompt, calls + 1, new SamplingSettings(0.8, 0, 1, 1, round + 7),
                    List.of());
            Generation g = new Generation(engine.tokenizer(), engine.model().kernels(), request, 1024, piece -> true);
            long c0 = THREADS.getCurrentThreadCpuTime();
            for (int i = 0; i < calls && !g.finished(); i++) {
                g.next(Arrays.copyOf(logits, vocab), vocab);
            }
            long c1 = THREADS.getCurrentThreadCpuTime();
            if (round >= 0) {
                perToken[round] = (c1 - c0) / 1e6 / calls;
            }
        }
        System.out.printf(Locale.ROOT, "sampling at temperature 0.8 over %d logits: %.2f / %.2f ms CPU per token (min/median)%n",
                vocab, min(perToken), median(perToken));
    }

    /** A new request: new session, prefill of a 5-token prompt, first logits, close; wall ms. */
    private static void admission(Engine engine, int rounds) {
        int[] prompt = engine.tokenizer().encodePrompt("Once upon a time");
        double[] newSession = new double[rounds];
        double[] prefill = new double[rounds];
        for (int round = -1; round < rounds; round++) {
            long t0 = System.nanoTime();
            Session s = engine.newSession();
            long t1 = System.nanoTime();
            s.forward(prompt, 0, prompt.length, false);
            long t2 = System.nanoTime();
            s.close();
            if (round >= 0) {
                newSession[round] = (t1 - t0) / 1e6;
                prefill[round] = (t2 - t1) / 1e6;
            }
        }
        System.out.printf(Locale.ROOT, "new request: new session %.1f / %.1f ms, prefill of %d tokens %.1f / %.1f ms (wall min/median)%n",
                min(newSession), median(newSession), prompt.length, min(prefill), median(prefill));
    }

    /**
     * Each distinct linear shape of layer 0 and the head, as a matrix product on this thread alone
     * (no pool): thread CPU µs per call and per token, at batch sizes 1 to 16.
     */
    private static void linears(Engine engine, int rounds) {
        DecoderLayer layer = engine.model().layers().get(0);
        List<Linear> linears = List.of(layer.q(), layer.k(), layer.gate(), layer.down(), engine.model().lmHead());
        Random random = new Random(1);
        System.out.println("matrix products on one thread (thread CPU µs per call, median of " + rounds
                + "; per-token cost relative to batch 1 in brackets):");
        for (Linear l : linears) {
            int maxBatch = 16;
            float[] x = new float[maxBatch * l.inFeatures()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] out = new float[maxBatch * l.outFeatures()];
            double[][] us = new double[maxBatch + 1][rounds];
            int reps = Math.max(1, (int) (2_000_000L / ((long) l.inFeatures() * l.outFeatures())));
            for (int round = -3; round < rounds; round++) {
                for (int batch = 1; batch <= maxBatch; batch++) {
                    long c0 = THREADS.getCurrentThreadCpuTime();
                    for (int r = 0; r < reps; r++) {
                        l.apply(x, batch, out, 0, l.outFeatures());
                    }
                    long c1 = THREADS.getCurrentThreadCpuTime();
                    if (round >= 0) {
                        us[batch][round] = (c1 - c0) / 1e3 / reps;
                    }
                }
            }
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-40s %5dx%-5d", l.name(),
                    l.outFeatures(), l.inFeatures()));
            double base = median(us[1]);
            for (int batch = 1; batch <= maxBatch; batch++) {
                double m = median(us[batch]);
                line.append(String.format(Locale.ROOT, " b%d %.0f(%.2f)", batch, m, m / batch / base));
            }
            System.out.println(line);
        }
    }

    private static long[] poolThreadIds() {
        List<Long> ids = new ArrayList<>();
        ids.add(Thread.currentThread().threadId());
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("spruce-worker-")) {
                ids.add(t.threadId());
            }
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    private static long cpuOf(long[] ids) {
        long sum = 0;
        for (long id : ids) {
            sum += THREADS.getThreadCpuTime(id);
        }
        return sum;
    }

    private static String load() {
        return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
