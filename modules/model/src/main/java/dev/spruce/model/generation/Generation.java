package dev.spruce.model.generation;

import java.util.Arrays;

import dev.spruce.kernels.Kernels;
import dev.spruce.model.sampling.Sampler;
import dev.spruce.model.tokenizer.Tokenizer;

/**
 * One generation as a state machine, for callers that run the forward pass themselves: given the
 * logits after the prompt, then after each token it returned, it samples, streams text and says
 * which token to run next, until EOS, a stop string, the token limit, the end of the context or a
 * cancelling sink. {@link Generator} drives one on one session; a server drives many in one batch.
 */
public final class Generation {

    private final Tokenizer tokenizer;
    private final GenerationRequest request;
    private final int maxPositions;
    private final TextSink sink;
    private final Sampler sampler;
    private final Tokenizer.StreamingDecoder decoder;
    private final StopStringFilter filter;
    private final int[] history;
    private final long start;
    private int length;
    private int generated;
    private long firstToken;
    private long end;
    private StopReason reason;

    /**
     * Starts the clock (the time to first token counts from here, so create it before the prefill).
     *
     * @param maxPositions the context of the session that runs it
     * @throws IllegalArgumentException if the prompt leaves no room for a new token
     */
    public Generation(Tokenizer tokenizer, Kernels kernels, GenerationRequest request, int maxPositions, TextSink sink) {
        int[] prompt = request.prompt();
        if (prompt.length >= maxPositions) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens; the context holds "
                    + maxPositions + " and needs room for at least one new token");
        }
        this.tokenizer = tokenizer;
        this.request = request;
        this.maxPositions = maxPositions;
        this.sink = sink;
        this.sampler = new Sampler(request.sampling(), kernels);
        this.decoder = tokenizer.newDecoder(prompt);
        this.filter = new StopStringFilter(request.stopStrings());
        this.history = Arrays.copyOf(prompt, prompt.length + request.maxTokens());
        this.length = prompt.length;
        this.start = System.nanoTime();
    }

    public GenerationRequest request() {
        return request;
    }

    /**
     * Samples the next token from {@code logits} (the logits after the prompt, or after the token
     * the previous call returned; modified) and streams its text.
     *
     * @return the token to run next, or -1 when the generation has ended
     */
    public int next(float[] logits, int vocab) {
        if (finished()) {
            throw new IllegalStateException("the generation has ended: " + reason);
        }
        int token = sampler.next(logits, vocab, history, length);
        history[length++] = token;
        generated++;
        if (generated == 1) {
            firstToken = System.nanoTime();
        }
        if (tokenizer.eosIds().contains(token)) {
            return finish(StopReason.EOS);
        }
        String piece = filter.accept(decoder.next(token));
        if (!piece.isEmpty() && !sink.accept(piece)) {
            return finish(StopReason.CANCELLED);
        }
        if (filter.stopped()) {
            return finish(StopReason.STOP_STRING);
        }
        if (generated == request.maxTokens()) {
            return finish(StopReason.MAX_TOKENS);
        }
        // The session holds the prompt and every generated token but this one.
        if (length - 1 >= maxPositions) {
            return finish(StopReason.CONTEXT_FULL);
        }
        return token;
    }

    /** Ends the generation from outside (a client went away); no more text is streamed. */
    public void cancel() {
        if (!finished()) {
            finish(StopReason.CANCELLED);
        }
    }

    public boolean finished() {
        return reason != null;
    }

    /** New tokens sampled so far, EOS included. */
    public int generatedTokens() {
        return generated;
    }

    /** What was produced; only once {@link #finished()}. */
    public GenerationResult result() {
        if (!finished()) {
            throw new IllegalStateException("the generation is still running");
        }
        long first = generated == 0 ? end : firstToken;
        return new GenerationResult(filter.text(), request.prompt().length, generated, reason, first - start,
                end - first);
    }

    private int finish(StopReason why) {
        end = System.nanoTime();
        reason = why;
        if (why != StopReason.STOP_STRING && why != StopReason.CANCELLED) {
            String rest = filter.accept(decoder.flush()) + filter.finish();
            if (!rest.isEmpty()) {
                sink.accept(rest);
            }
        }
        return -1;
    }
}
