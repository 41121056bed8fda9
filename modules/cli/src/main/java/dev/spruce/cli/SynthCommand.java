package dev.spruce.cli;


import dev.spruce.checkpoint.DType;
import dev.spruce.checkpoint.TensorSpec;
import dev.spruce.checkpoint.synth.SyntheticCheckpoint;
import dev.spruce.checkpoint.synth.SyntheticPreset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code spruce synth}: a seeded random checkpoint with a real model's shapes, for benchmarks. */
@Command(name = "synth", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a seeded random checkpoint with a real model's shapes, config.json and a tokenizer.",
                "Weights go straight from the generator into the mapped output file, so llama2-7b in BF16",
                "(13.5 GB) writes with a small heap. Same seed, same bytes."})
final class SynthCommand implements Callable<Integer> {

    enum Dtype { bf16, f16, f32 }

    @Option(names = "--like", required = true, paramLabel = "MODEL",
            description = "Shapes to copy: stories260k, smollm2-135m, tinyllama-1.1b, llama2-7b.")
    String like;

    @Option(names = "--dtype", defaultValue = "bf16", paramLabel = "DTYPE",
            description = "Weight dtype: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Dtype dtype;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-context", defaultValue = "0", paramLabel = "TOKENS",
            description = "Declare a longer max_position_embeddings than the model's own, for long-context benchmarks.")
    int maxContext;

    @Option(names = "--shard-size", defaultValue = "5GB", paramLabel = "SIZE", converter = Bytes.SizeConverter.class,
            description = "Largest shard, e.g. 5GB, 500MB, 2GiB (default: 5GB, as Hugging Face).")
    long shardSize;

    @Mixin
    OutputOptions output;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SyntheticPreset preset = SyntheticPreset.fromCliName(like).orElseThrow(() -> new UserInputException(
                "unknown --like '" + like + "'; choose one of " + SyntheticPreset.cliNames()));
        if (maxContext < 0) {
            throw new UserInputException("--max-context must be positive");
        }
        DType d = switch (dtype) {
            case bf16 -> DType.BF16;
            case f16 -> DType.F16;
            case f32 -> DType.F32;
        };
        var options = new SyntheticCheckpoint.Options(preset, d, seed, maxContext, shardSize, output.force);
        long bytes = SyntheticCheckpoint.tensors(options).stream().mapToLong(TensorSpec::byteSize).sum();
        spec.commandLine().getErr().println("Writing synthetic " + preset.cliName() + " (" + d + ", seed " + seed + ", "
                + Bytes.human(bytes) + ") to " + output.out);
        try (ProgressBar bar = new ProgressBar(spec.commandLine().getErr(), "synth", common.quiet)) {
            SyntheticCheckpoint.write(options, output.out, bar);
        }
        spec.commandLine().getOut().println("Wrote " + output.out.toAbsolutePath().normalize());
        return ExitCode.OK;
    }

}
