package dev.spruce.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spruce demo}: what Spruce does, in one command, on the bundled model. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A short tour on a model (default: the bundled stories260K): tell a story from",
                "\"Once upon a time\" (greedy, streamed), then measure perplexity with the TS protocol",
                "(the same as: spruce generate --max-tokens N; spruce eval --protocol ts)."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "DIR",
            description = "Checkpoint directory. Default: the bundled stories260K model in ../shared.")
    String model;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "200",
            description = "Length of the story in tokens. Default: ${DEFAULT-VALUE}.")
    int maxTokens;

    @Option(names = "--protocol", paramLabel = "NAME", defaultValue = "ts",
            description = "Perplexity protocol: ts (TinyStories models) or wt2 (WikiText-2). Default: ${DEFAULT-VALUE}.")
    String protocol;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine root = spec.root().commandLine();
        PrintWriter out = spec.commandLine().getOut();
        out.println("== A story (spruce generate, greedy) ==");
        out.flush();
        int code = root.execute(withModel("generate", "--max-tokens", Integer.toString(maxTokens)));
        if (code != ExitCode.OK) {
            return code;
        }
        out.println();
        out.println("== Perplexity (spruce eval --protocol " + protocol + ") ==");
        out.flush();
        return root.execute(withModel("eval", "--protocol", protocol));
    }

    private String[] withModel(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (model != null) {
            all.add("--model");
            all.add(model);
        }
        if (quiet) {
            all.add("--quiet");
        }
        return all.toArray(String[]::new);
    }
}
