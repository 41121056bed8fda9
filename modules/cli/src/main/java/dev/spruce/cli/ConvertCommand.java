package dev.spruce.cli;

import dev.spruce.checkpoint.llama2c.Llama2cConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code spruce convert}: import a checkpoint from another format into Hugging Face layout. */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Convert a checkpoint to a Hugging Face Llama checkpoint (config.json + F32 model.safetensors).",
                "From llama2.c: q/k rows are permuted from interleaved RoPE pairs to Hugging Face's rotate-half",
                "layout, so the result computes exactly what the original does. The tokenizer file is kept beside it.",
                "Nothing appears in --out until the whole checkpoint is written."})
final class ConvertCommand implements Callable<Integer> {

    enum Source { llama2c }

    @Option(names = "--from", required = true, paramLabel = "FORMAT",
            description = "Format of the input. Supported: ${COMPLETION-CANDIDATES} (legacy .bin of karpathy/llama2.c).")
    Source from;

    @Parameters(index = "0", paramLabel = "MODEL.bin", description = "The checkpoint to convert.")
    Path input;

    @Option(names = "--tokenizer", required = true, paramLabel = "TOKENIZER.bin",
            description = "llama2.c tokenizer file (e.g. tok512.bin), checked and copied into --out.")
    Path tokenizer;

    @Mixin
    OutputOptions output;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (ProgressBar bar = new ProgressBar(spec.commandLine().getErr(), "convert", common.quiet)) {
            Llama2cConverter.convert(input, tokenizer, output.out, output.force, bar);
        }
        spec.commandLine().getOut().println("Wrote " + output.out.toAbsolutePath().normalize());
        return ExitCode.OK;
    }
}
