package dev.spruce.cli;

import java.io.IOException;
import java.nio.file.Path;

import dev.spruce.model.Engine;
import dev.spruce.model.KvCacheType;
import dev.spruce.model.SparseWeightPolicy;
import picocli.CommandLine.Option;

/** How to load and run a model: the options {@code generate}, {@code eval} and {@code serve} share. */
final class ModelOptions {

    @Option(names = "--model", paramLabel = "DIR",
            description = "Hugging Face checkpoint directory (config.json, safetensors, tokenizer.json or a llama2.c"
                    + " tokenizer .bin). Default: the bundled stories260K model in ../shared.")
    Path model;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Worker threads, the main one included. Default: one per core (0).")
    int threads;

    @Option(names = "--kv", paramLabel = "TYPE", defaultValue = "f32",
            converter = KvTypeConverter.class,
            description = "KV cache storage: f32 (exact; also 'dense'), bf16 or f16 (half the memory), or mikv"
                    + " (important positions in high precision, the rest quantised; see the --mikv-* and --budget"
                    + " options). Default: ${DEFAULT-VALUE}.")
    KvChoice kv;

    /** What --kv names: a dense storage, or MiKV's mixed-precision cache. */
    enum KvChoice {
        F32, BF16, F16, DENSE, MIKV;

        /** The dense storage (MiKV keeps its own and leaves it at F32). */
        KvCacheType storage() {
            return switch (this) {
                case BF16 -> KvCacheType.BF16;
                case F16 -> KvCacheType.F16;
                case F32, DENSE, MIKV -> KvCacheType.F32;
            };
        }
    }

    /** Whether --kv mikv was given. */
    boolean mikv() {
        return kv == KvChoice.MIKV;
    }

    @Option(names = "--context", paramLabel = "N", defaultValue = "0",
            description = "Positions per sequence (memory of the KV cache grows with it). Default: the model's"
                    + " max_position_embeddings (0).")
    int context;

    Path modelDir() throws UserInputException {
        return model != null ? model : Defaults.model();
    }

    /** Opens the model; commands that rewrite weights pass {@link SparseWeightPolicy#OFF}. */
    Engine open(SparseWeightPolicy sparse) throws IOException, UserInputException {
        if (threads < 0 || context < 0) {
            throw new UserInputException("--threads and --context must be ≥ 0");
        }
        Engine engine = Engine.open(modelDir(), new Engine.Options(threads, kv.storage(), context, 64, sparse));
        int max = engine.model().config().maxPositionEmbeddings();
        if (context > max) {
            engine.close();
            throw new UserInputException("--context " + context + " is longer than the model's maximum of " + max
                    + " positions (max_position_embeddings)");
        }
        return engine;
    }

    /** Accepts f32, bf16, f16, dense, mikv in any case. */
    static final class KvTypeConverter implements picocli.CommandLine.ITypeConverter<KvChoice> {
        @Override
        public KvChoice convert(String value) {
            try {
                return KvChoice.valueOf(value.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a KV cache type;"
                        + " use f32, bf16, f16, dense or mikv");
            }
        }
    }
}
