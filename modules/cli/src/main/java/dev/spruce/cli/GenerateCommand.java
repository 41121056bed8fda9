package dev.spruce.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.spruce.model.Engine;
import dev.spruce.model.Session;
import dev.spruce.model.generation.GenerationRequest;
import dev.spruce.model.generation.GenerationResult;
import dev.spruce.model.generation.Generator;
import dev.spruce.model.sampling.SamplingSettings;
import dev.spruce.model.tokenizer.ChatMessage;
import dev.spruce.model.tokenizer.ChatTemplateException;
import dev.spruce.model.tokenizer.ModelTokenizer;
import dev.spruce.model.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spruce generate}: complete a prompt, streaming the text. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate text from a prompt, streamed to stdout as it is produced; timings go to stderr",
                "(time to first token, prefill and decode tokens/s).",
                "Greedy by default (--temperature 0): the same prompt always gives the same text. With a temperature,",
                "--seed makes sampling repeatable."})
final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "Once upon a time",
            description = "The text to continue (or the user message with --chat). Default: \"${DEFAULT-VALUE}\".")
    String prompt;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "256",
            description = "New tokens at most. Default: ${DEFAULT-VALUE}.")
    int maxTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0",
            description = "0 = greedy (argmax); higher is more random. Default: ${DEFAULT-VALUE}.")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0",
            description = "Sample only among the K most likely tokens (0 = all). Default: ${DEFAULT-VALUE}.")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1.0",
            description = "Sample only among the most likely tokens whose probabilities add up to P (nucleus). Default: ${DEFAULT-VALUE}.")
    double topP;

    @Option(names = "--repetition-penalty", paramLabel = "R", defaultValue = "1.0",
            description = "Above 1 discourages repeating tokens already in the text. Default: ${DEFAULT-VALUE} (none).")
    double repetitionPenalty;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Random seed for sampling. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--stop", paramLabel = "TEXT",
            description = "Stop before this text appears (repeatable). EOS always stops.")
    List<String> stop = new ArrayList<>();

    @Option(names = "--chat",
            description = "Wrap the prompt as a user message with the checkpoint's chat template (tokenizer_config.json).")
    boolean chat;

    @Option(names = "--no-echo", description = "Do not print the prompt before the generated text.")
    boolean noEcho;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    AttentionOptions attentionOptions;

    @Mixin
    SparseWeightOptions sparseWeights;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SamplingSettings sampling;
        try {
            sampling = new SamplingSettings(temperature, topK, topP, repetitionPenalty, seed);
        } catch (IllegalArgumentException e) {
            throw new UserInputException(e.getMessage());
        }
        if (maxTokens < 1) {
            throw new UserInputException("--max-tokens must be at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        var attention = attentionOptions.settings(modelOptions.mikv(), err);
        try (Engine engine = modelOptions.open(sparseWeights.policy()); Session session = newSession(engine, attention)) {
            Tokenizer tokenizer = engine.tokenizer();
            int[] ids = promptIds(engine);
            if (ids.length >= session.maxPositions()) {
                throw new UserInputException("the prompt is " + ids.length + " tokens; the context holds "
                        + session.maxPositions() + " (see --context)");
            }
            int budget = Math.min(maxTokens, session.maxPositions() - ids.length);
            if (!chat && !noEcho) {
                out.print(prompt);
                out.flush();
            }
            GenerationResult r = new Generator(tokenizer).generate(session,
                    new GenerationRequest(ids, budget, sampling, stop), text -> {
                        out.print(text);
                        out.flush();
                        return true;
                    });
            out.println();
            out.flush();
            if (!common.quiet) {
                err.println(String.format(Locale.ROOT,
                        "prompt %d tokens, first token after %.1f ms (prefill %.1f tokens/s); %d new tokens, decode %.1f tokens/s;"
                                + " stopped: %s; %d threads, %s kernels; attention %s, KV %,d bytes per position",
                        r.promptTokens(), r.firstTokenNanos() / 1e6, r.prefillTokensPerSecond(), r.generatedTokens(),
                        r.decodeTokensPerSecond(), r.reason().name().toLowerCase(Locale.ROOT),
                        engine.transformer().pool().threads(), engine.model().kernels().name(), attention.describe(),
                        session.cache().bytesPerPosition()));
            }
        }
        return ExitCode.OK;
    }

    private static Session newSession(Engine engine, dev.spruce.model.attention.AttentionSettings attention)
            throws UserInputException {
        try {
            return engine.newSession(attention);
        } catch (IllegalArgumentException e) {
            throw new UserInputException(e.getMessage());
        }
    }

    private int[] promptIds(Engine engine) throws UserInputException {
        ModelTokenizer tokenizer = engine.tokenizer();
        if (!chat) {
            return tokenizer.encodePrompt(prompt);
        }
        try {
            return tokenizer.encodeChat(List.of(ChatMessage.user(prompt)), true);
        } catch (ChatTemplateException e) {
            throw new UserInputException("--chat: " + e.getMessage());
        }
    }
}
