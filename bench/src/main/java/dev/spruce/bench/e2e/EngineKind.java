package dev.spruce.bench.e2e;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.spruce.bench.jlama.JlamaActivations;
import dev.spruce.bench.jlama.JlamaModelDir;
import dev.spruce.bench.jlama.JlamaSession;
import dev.spruce.bench.jlama.JlamaThreads;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** The engines the decode bench compares; each runs in a JVM of its own. */
public enum EngineKind {
    /** Spruce, F32 KV cache. */
    SPRUCE("spruce"),
    /** Jlama as shipped: Panama backend, F32 working memory, BF16 activations for BF16 weights. */
    JLAMA("jlama"),
    /** Jlama with F32 activations, the arithmetic Spruce does (see {@link JlamaActivations#F32}). */
    JLAMA_F32("jlama-f32");

    private final String cliName;

    EngineKind(String cliName) {
        this.cliName = cliName;
    }

    /** The name on the command line and in reports. */
    @JsonValue
    public String cliName() {
        return cliName;
    }

    public static EngineKind fromCliName(String name) {
        return Arrays.stream(values()).filter(e -> e.cliName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown engine " + name + "; engines: "
                        + Arrays.stream(values()).map(EngineKind::cliName).collect(Collectors.joining(", "))));
    }

    /**
     * JVM options the engine's process needs besides the harness's own: Jlama must pick its Panama
     * backend, and its common-pool work must use {@code threads} threads.
     */
    public List<String> jvmOptions(int threads) {
        return switch (this) {
            case SPRUCE -> List.of();
            case JLAMA, JLAMA_F32 -> List.of("-Djlama.force_panama_tensor_operations=true",
                    JlamaThreads.commonPoolOption(threads));
        };
    }

    /**
     * Fixes the engine's thread count and opens a session on the checkpoint in {@code dir}.
     *
     * @param scratch an empty or absent directory the engine may fill (Jlama's tokenizer workaround)
     * @param maxPositions the longest sequence the session will run
     */
    public EngineSession open(Path dir, Path scratch, int threads, int maxPositions, int chunk) throws IOException {
        return switch (this) {
            case SPRUCE -> SpruceSession.open(dir, threads, maxPositions, chunk);
            case JLAMA, JLAMA_F32 -> {
                JlamaThreads.fix(threads);
                yield JlamaSession.open(JlamaModelDir.prepare(dir, scratch),
                        this == JLAMA ? JlamaActivations.AS_SHIPPED : JlamaActivations.F32);
            }
        };
    }
}
