package dev.spruce.bench.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.spruce.bench.checkpoint.Stats;
import dev.spruce.kernels.KernelProvider;
import dev.spruce.model.LlamaModel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.DoubleStream;

/**
 * End-to-end prefill and decode speed, engines side by side (Spruce vs Jlama by default) on each
 * checkpoint given: the machine's read bandwidth with the same thread count, each engine in a JVM
 * of its own ({@link EngineBench}) generating greedily from the same seeded prompt, then the
 * bandwidth again (so its spread shows the machine's state throughout). Prints one table per
 * checkpoint (min / median / max, ratios of medians, decode as a fraction of the bandwidth
 * roofline) and writes every figure to a JSON file.
 *
 * <p>Usage: {@code DecodeBench [--threads 2] [--prompt 128] [--decode 64] [--warmup 1] [--repeats 3]
 * [--chunk 64] [--seed 1] [--engines spruce,jlama-f32] [--out FILE.json] DIR...}
 */
public final class DecodeBench {

    /** Bandwidth passes before and after the engines: one untimed, then enough timed ones to show the noise. */
    private static final int BANDWIDTH_WARMUPS = 1;
    private static final int BANDWIDTH_REPEATS = 9;

    private DecodeBench() {
    }

    /** The whole run, as written to the JSON file. */
    public record Report(DecodeBenchOptions options, String java, String kernels, int cores,
                         List<ModelComparison> models) {
    }

    /** One series of bandwidth passes on a freshly allocated block, freed before the engines run. */
    private static double[] bandwidth(DecodeBenchOptions o) {
        try (ReadBandwidth reader = ReadBandwidth.allocate(o.bandwidthBytes(), o.threads())) {
            return reader.measure(BANDWIDTH_WARMUPS, BANDWIDTH_REPEATS);
        }
    }

    public static void main(String[] args) throws Exception {
        DecodeBenchOptions o = DecodeBenchOptions.parse(args);
        System.out.printf(Locale.ROOT, "decode bench: %d threads, %d-token prompt, %d decode steps, %d warm-up + %d timed"
                        + " runs per engine, engines %s%n", o.threads(), o.prompt(), o.decode(), o.warmups(), o.repeats(),
                o.engines().stream().map(EngineKind::cliName).toList());
        Files.createDirectories(o.out().toAbsolutePath().getParent());
        List<ModelComparison> models = new ArrayList<>();
        for (Path dir : o.models()) {
            long bytesPerToken;
            try (LlamaModel m = LlamaModel.load(dir, KernelProvider.get())) {
                bytesPerToken = m.weightBytesPerToken();
            }
            double[] before = bandwidth(o);
            System.out.printf(Locale.ROOT, "%s: read bandwidth before the engines %s%n", dir.getFileName(),
                    Stats.of(before).format("GB/s"));
            List<EngineResult> results = new ArrayList<>();
            for (EngineKind engine : o.engines()) {
                Path result = o.out().toAbsolutePath().resolveSibling(engine.cliName() + "-" + dir.getFileName() + ".json");
                results.add(EngineProcess.run(engine, dir, o, result));
            }
            double[] after = bandwidth(o);
            Stats bandwidth = Stats.of(DoubleStream.concat(Arrays.stream(before), Arrays.stream(after)).toArray());
            ModelComparison c = ModelComparison.of(dir.getFileName().toString(), bytesPerToken, bandwidth, results);
            ComparisonTable.print(c, o.threads(), System.out);
            models.add(c);
        }
        Report report = new Report(o, Runtime.version().toString(), KernelProvider.get().getClass().getSimpleName() + " "
                + KernelProvider.get().vectorBits() + "-bit", Runtime.getRuntime().availableProcessors(), models);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(o.out().toFile(), report);
        System.out.println("\nresults: " + o.out().toAbsolutePath());
    }
}
