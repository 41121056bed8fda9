package dev.spruce.bench.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.spruce.bench.checkpoint.Stats;
import dev.spruce.kernels.KernelProvider;
import dev.spruce.model.WorkerPool;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.DoubleStream;

/**
 * Spruce checkpoints against each other (dense vs sliced, dense vs packed) in one JVM, taking turns
 * token by token, so a busy or stolen core slows every checkpoint alike and the ratios stay
 * meaningful on a shared machine where separate runs minutes apart are not comparable.
 *
 * <p>Each round prefills the same seeded prompt into every checkpoint in turn, then runs the decode
 * steps round-robin: step {@code s} of every checkpoint before step {@code s + 1} of any, the first
 * checkpoint of each step rotating. All sessions run on one {@link WorkerPool}. Per checkpoint it
 * reports prefill and decode tokens/s over the timed rounds and, per round, the ratio to the first
 * checkpoint (above 1 is faster), and the decode roofline against the read bandwidth measured
 * before and after.
 *
 * <p>Usage: {@code InterleavedDecodeBench [--threads 2] [--prompt 128] [--decode 64] [--warmup 1]
 * [--repeats 3] [--chunk 64] [--seed 1] [--out FILE.json] DIR DIR...} (the options of {@link DecodeBench};
 * {@code --engines} is ignored).
 */
public final class InterleavedDecodeBench {

    private InterleavedDecodeBench() {
    }

    /** One checkpoint's figures; the ratios are to the first checkpoint, round by round. */
    public record ModelFigures(String model, long weightBytesPerToken, Stats prefillTokensPerSecond,
                               Stats decodeTokensPerSecond, Stats prefillRatio, Stats decodeRatio, Stats decodeRoofline,
                               int[] generated) {
    }

    /** The whole run, as written to the JSON file. */
    public record Report(DecodeBenchOptions options, String java, String kernels, int cores, Stats bandwidthGBps,
                         double[] systemLoad, List<ModelFigures> models) {
    }

    /** One round's seconds per checkpoint. */
    private record Round(double[] prefillSeconds, double[] decodeSeconds, int[][] generated) {
    }

    public static void main(String[] args) throws Exception {
        DecodeBenchOptions o = DecodeBenchOptions.parse(args);
        int n = o.models().size();
        System.out.printf(Locale.ROOT, "interleaved decode bench: %d checkpoints taking turns token by token, %d threads,"
                + " %d-token prompt, %d decode steps, %d warm-up + %d timed rounds%n", n, o.threads(), o.prompt(),
                o.decode(), o.warmups(), o.repeats());
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        double[] bandwidthBefore = bandwidth(o);
        List<Round> rounds = new ArrayList<>();
        List<SpruceSession> sessions = new ArrayList<>();
        try (WorkerPool pool = WorkerPool.create(o.threads())) {
            for (Path dir : o.models()) {
                sessions.add(SpruceSession.open(dir, pool, o.prompt() + o.decode() + 1, o.chunk()));
            }
            for (int r = 0; r < o.warmups() + o.repeats(); r++) {
                Round round = round(sessions, o);
                System.out.printf(Locale.ROOT, "  %s %d:", r < o.warmups() ? "warm-up" : "round  ", r < o.warmups()
                        ? r + 1 : r - o.warmups() + 1);
                for (int m = 0; m < n; m++) {
                    System.out.printf(Locale.ROOT, "  %s decode %.2f tok/s", o.models().get(m).getFileName(),
                            o.decode() / round.decodeSeconds()[m]);
                }
                System.out.println();
                if (r >= o.warmups()) {
                    rounds.add(round);
                }
            }
            double[] bandwidthAfter = bandwidth(o);
            Stats bandwidth = Stats.of(DoubleStream.concat(Arrays.stream(bandwidthBefore), Arrays.stream(bandwidthAfter))
                    .toArray());
            List<ModelFigures> figures = new ArrayList<>();
            for (int m = 0; m < n; m++) {
                figures.add(figures(o, sessions, rounds, m, bandwidth.max()));
            }
            double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            print(figures, bandwidth, loadBefore, loadAfter);
            Report report = new Report(o, Runtime.version().toString(), KernelProvider.get().getClass().getSimpleName()
                    + " " + KernelProvider.get().vectorBits() + "-bit", Runtime.getRuntime().availableProcessors(),
                    bandwidth, new double[] {loadBefore, loadAfter}, figures);
            Path out = o.out().toAbsolutePath();
            Files.createDirectories(out.getParent());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), report);
            System.out.println("results: " + out);
        } finally {
            for (SpruceSession s : sessions) {
                s.close();
            }
        }
    }

    private static Round round(List<SpruceSession> sessions, DecodeBenchOptions o) {
        int n = sessions.size();
        double[] prefill = new double[n];
        double[] decode = new double[n];
        int[][] generated = new int[n][o.decode() + 1];
        for (int k = 0; k < n; k++) {
            SpruceSession s = sessions.get(k);
            int[] prompt = SeededTokens.ids(o.seed(), o.prompt(), s.vocabSize());
            s.reset();
            long start = System.nanoTime();
            generated[k][0] = GreedyGeneration.argmax(s.forward(prompt, 0, prompt.length, false));
            prefill[k] = (System.nanoTime() - start) / 1e9;
        }
        for (int step = 1; step <= o.decode(); step++) {
            for (int i = 0; i < n; i++) {
                int k = (step + i) % n;
                long start = System.nanoTime();
                generated[k][step] = GreedyGeneration.argmax(sessions.get(k).decode(generated[k][step - 1]));
                decode[k] += (System.nanoTime() - start) / 1e9;
            }
        }
        return new Round(prefill, decode, generated);
    }

    private static ModelFigures figures(DecodeBenchOptions o, List<SpruceSession> sessions, List<Round> rounds, int m,
                                        double bandwidthGBps) {
        long bytes = sessions.get(m).model().weightBytesPerToken();
        double[] prefill = rounds.stream().mapToDouble(r -> o.prompt() / r.prefillSeconds()[m]).toArray();
        double[] decode = rounds.stream().mapToDouble(r -> o.decode() / r.decodeSeconds()[m]).toArray();
        double[] prefillRatio = rounds.stream().mapToDouble(r -> r.prefillSeconds()[0] / r.prefillSeconds()[m]).toArray();
        double[] decodeRatio = rounds.stream().mapToDouble(r -> r.decodeSeconds()[0] / r.decodeSeconds()[m]).toArray();
        double[] roofline = Arrays.stream(decode).map(t -> t * bytes / (bandwidthGBps * 1e9)).toArray();
        return new ModelFigures(o.models().get(m).getFileName().toString(), bytes, Stats.of(prefill), Stats.of(decode),
                Stats.of(prefillRatio), Stats.of(decodeRatio), Stats.of(roofline), rounds.getLast().generated()[m]);
    }

    private static void print(List<ModelFigures> figures, Stats bandwidth, double loadBefore, double loadAfter) {
        System.out.printf(Locale.ROOT, "read bandwidth %s; system load before/after %.1f / %.1f%n",
                bandwidth.format("GB/s"), loadBefore, loadAfter);
        System.out.printf(Locale.ROOT, "%-28s %10s  %-22s %-22s %-20s %-20s %-18s%n", "(min / median / max)",
                "GB/token", "prefill tok/s", "decode tok/s", "prefill ratio", "decode ratio", "decode roofline %");
        for (ModelFigures f : figures) {
            System.out.printf(Locale.ROOT, "%-28s %10.3f  %-22s %-22s %-20s %-20s %-18s%n", f.model(),
                    f.weightBytesPerToken() / 1e9, triple(f.prefillTokensPerSecond(), 1), triple(f.decodeTokensPerSecond(), 1),
                    triple(f.prefillRatio(), 1), triple(f.decodeRatio(), 1), triple(f.decodeRoofline(), 0.01));
        }
    }

    /** {@code min / median / max}, two decimals, each divided by {@code per}. */
    private static String triple(Stats s, double per) {
        return String.format(Locale.ROOT, "%.2f / %.2f / %.2f", s.min() / per, s.median() / per, s.max() / per);
    }

    private static double[] bandwidth(DecodeBenchOptions o) {
        try (ReadBandwidth reader = ReadBandwidth.allocate(o.bandwidthBytes(), o.threads())) {
            return reader.measure(1, 5);
        }
    }
}
