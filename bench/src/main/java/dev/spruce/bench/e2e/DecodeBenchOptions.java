package dev.spruce.bench.e2e;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the decode bench runs, parsed from {@code --name value} pairs and checkpoint directories.
 *
 * @param threads        compute threads of every engine and of the bandwidth readers
 * @param prompt         prompt tokens (seeded pseudo-random ids), prefilled in one forward call
 * @param decode         decode steps after the first token
 * @param warmups        untimed generations before the timed ones
 * @param repeats        timed generations per engine
 * @param chunk          Spruce's prefill chunk (tokens per batched forward pass)
 * @param seed           seed of the prompt's token ids
 * @param bandwidthBytes size of the block the bandwidth is measured on
 * @param engines        engines to compare, the first being the numerator of the ratios
 * @param out            the JSON file of results
 * @param models         checkpoint directories
 */
public record DecodeBenchOptions(int threads, int prompt, int decode, int warmups, int repeats, int chunk, long seed,
                                 long bandwidthBytes, List<EngineKind> engines, Path out, List<Path> models) {

    public DecodeBenchOptions {
        if (threads < 1 || prompt < 1 || decode < 1 || warmups < 0 || repeats < 1 || chunk < 1) {
            throw new IllegalArgumentException("threads, prompt, decode, repeats and chunk must be positive, warmups"
                    + " not negative");
        }
        if (bandwidthBytes < 1L << 30) {
            throw new IllegalArgumentException("the bandwidth block must be at least 1 GiB, so no cache holds it");
        }
        if (engines.isEmpty() || models.isEmpty()) {
            throw new IllegalArgumentException("name at least one engine and one checkpoint directory");
        }
        engines = List.copyOf(engines);
        models = List.copyOf(models);
    }

    /** Parses {@code [--threads N] [--prompt N] ... DIR...}; unnamed values are checkpoint directories. */
    public static DecodeBenchOptions parse(String... args) {
        int threads = 2, prompt = 128, decode = 64, warmups = 1, repeats = 3, chunk = 64;
        long seed = 1, bandwidthBytes = 1L << 30;
        List<EngineKind> engines = List.of(EngineKind.SPRUCE, EngineKind.JLAMA_F32);
        Path out = Path.of("decode-bench.json");
        List<Path> models = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                models.add(Path.of(a));
                continue;
            }
            if (i + 1 == args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--threads" -> threads = Integer.parseInt(v);
                case "--prompt" -> prompt = Integer.parseInt(v);
                case "--decode" -> decode = Integer.parseInt(v);
                case "--warmup" -> warmups = Integer.parseInt(v);
                case "--repeats" -> repeats = Integer.parseInt(v);
                case "--chunk" -> chunk = Integer.parseInt(v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--bandwidth-bytes" -> bandwidthBytes = Long.parseLong(v);
                case "--engines" -> engines = Arrays.stream(v.split(",")).map(EngineKind::fromCliName).toList();
                case "--out" -> out = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        return new DecodeBenchOptions(threads, prompt, decode, warmups, repeats, chunk, seed, bandwidthBytes, engines,
                out, models);
    }

    /** These options for one engine and one checkpoint, writing to {@code out}: the arguments of an engine's process. */
    public List<String> toArgs(EngineKind engine, Path model, Path out) {
        return List.of("--threads", Integer.toString(threads), "--prompt", Integer.toString(prompt),
                "--decode", Integer.toString(decode), "--warmup", Integer.toString(warmups),
                "--repeats", Integer.toString(repeats), "--chunk", Integer.toString(chunk),
                "--seed", Long.toString(seed), "--bandwidth-bytes", Long.toString(bandwidthBytes),
                "--engines", engine.cliName(), "--out", out.toString(), model.toString());
    }
}
