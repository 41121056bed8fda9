package dev.spruce.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.spruce.compress.pack.CheckpointPacker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code spruce pack}: write a pruned checkpoint's sparse weights in a bitmask layout the engine maps as is. */
@Command(name = "pack", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Store a pruned checkpoint's sparse decoder-block linears packed: the kept values, a bitmask",
                "(LSB first) and row offsets, in the layout of compressed-tensors' legacy sparse-bitmask format, or",
                "sparse-24-bitmask (exactly 2 values per 4, no row offsets) when every packed weight is 2:4.",
                "generate, eval and serve map the packed tensors and run them on the sparse kernels with no",
                "repacking. Other tensors are copied unchanged; config.json gains compression_config.sparsity_config.",
                "Nothing appears in --out until the whole checkpoint is written."})
final class PackCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "DIR",
            description = "The checkpoint to pack (typically the output of spruce prune). Default: the bundled model.")
    Path model;

    @Option(names = "--min-sparsity", paramLabel = "FRACTION", defaultValue = "0.3",
            description = "Pack a block linear when at least this fraction of its weights is zero; the others stay"
                    + " dense. Default: ${DEFAULT-VALUE}.")
    double minSparsity;

    @Mixin
    OutputOptions output;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!(minSparsity > 0 && minSparsity <= 1)) {
            throw new UserInputException("--min-sparsity must be in (0, 1], got " + minSparsity);
        }
        Path source = model != null ? model : Defaults.model();
        output.checkBeforeWork(source, "packed");
        CheckpointPacker.PackResult result;
        try (ProgressBar bar = new ProgressBar(spec.commandLine().getErr(), "pack", common.quiet)) {
            result = CheckpointPacker.pack(source, output.out, minSparsity, output.force, bar);
        } catch (IllegalArgumentException e) {
            throw new UserInputException(e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (result.format() == null) {
            out.println("No block linear is at least " + minSparsity + " zeros; wrote an unpacked copy to "
                    + output.out.toAbsolutePath().normalize());
            return ExitCode.OK;
        }
        long dense = result.packed().stream().mapToLong(CheckpointPacker.PackedTensor::denseBytes).sum();
        long packed = result.packed().stream().mapToLong(CheckpointPacker.PackedTensor::packedBytes).sum();
        out.printf("Packed %d weights as %s (%d left dense): %s -> %s (%.1f%% of dense); checkpoint %s -> %s%n",
                result.packed().size(), result.format(), result.keptDense().size(), Bytes.human(dense),
                Bytes.human(packed), 100.0 * packed / dense, Bytes.human(result.bytesBefore()),
                Bytes.human(result.bytesAfter()));
        out.println("Wrote " + output.out.toAbsolutePath().normalize());
        return ExitCode.OK;
    }
}
