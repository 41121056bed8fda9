package dev.spruce.bench.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One engine's part of the decode bench, in a JVM of its own (so engines share no JIT profile and
 * no global setting): load the checkpoint, run warm-up generations, then timed ones, and write an
 * {@link EngineResult} as JSON. {@link DecodeBench} starts it; progress goes to stderr. The warm-up
 * is a short generation: it runs the same code as the timed ones (batched prefill, single-token
 * decode), which is all the JIT needs, without doubling the time of slow engines.
 *
 * <p>Usage: {@code EngineBench [DecodeBenchOptions] --engines ENGINE --out RESULT.json DIR}
 */
public final class EngineBench {


    private EngineBench() {
    }

    public static void main(String[] args) throws Exception {
        DecodeBenchOptions o = DecodeBenchOptions.parse(args);
        if (o.engines().size() != 1 || o.models().size() != 1) {
            throw new IllegalArgumentException("EngineBench runs one engine on one checkpoint");
        }
        EngineKind engine = o.engines().getFirst();
        Path dir = o.models().getFirst();
        Path scratch = o.out().toAbsolutePath().resolveSibling(engine.cliName() + "-" + dir.getFileName());
        long start = System.nanoTime();
        try (EngineSession session = engine.open(dir, scratch, o.threads(), o.prompt() + o.decode(), o.chunk())) {
            double loadSeconds = (System.nanoTime() - start) / 1e9;
            int[] prompt = SeededTokens.ids(o.seed(), o.prompt(), session.vocabSize());
            // Warm-ups have the timed runs' shape: a short one left the JIT compiling during the
            // first timed runs (Spruce's decode rose from 5.7 to 7.6 tokens/s over three runs).
            for (int i = 0; i < o.warmups(); i++) {
                progress(engine, "warm-up", GreedyGeneration.run(session, prompt, o.decode()));
            }
            OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            double loadBefore = os.getSystemLoadAverage();
            List<DecodeRun> runs = new ArrayList<>();
            for (int i = 0; i < o.repeats(); i++) {
                DecodeRun run = GreedyGeneration.run(session, prompt, o.decode());
                progress(engine, "run " + (i + 1) + "/" + o.repeats(), run);
                runs.add(run);
            }
            new ObjectMapper().writeValue(o.out().toFile(),
                    new EngineResult(engine.cliName(), dir.toString(), o.threads(), loadSeconds, runs,
                            new double[] {loadBefore, os.getSystemLoadAverage()}, residentBytes()));
            System.err.printf(Locale.ROOT, "  %-9s resident %.1f MB after the runs%n", engine.cliName(), residentBytes() / 1e6);
        }
    }

    /** VmRSS from /proc/self/status, in bytes, or -1. */
    static long residentBytes() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static void progress(EngineKind engine, String what, DecodeRun r) {
        System.err.printf(Locale.ROOT, "  %-9s %-8s prefill %7.1f tok/s, decode %6.2f tok/s%n", engine.cliName(), what,
                r.prefillTokensPerSecond(), r.decodeTokensPerSecond());
    }
}
