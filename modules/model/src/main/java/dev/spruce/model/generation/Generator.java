package dev.spruce.model.generation;

import java.util.Arrays;

import dev.spruce.model.Session;
import dev.spruce.model.sampling.Sampler;
import dev.spruce.model.tokenizer.Tokenizer;

/**
 * The decode loop: prefill the prompt, then sample, stream and feed back one token at a time until
 * EOS, a stop string, the token limit or the end of the context.
 */
public final class Generator {

    private final Tokenizer tokenizer;

    public Generator(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Runs {@code request} on a fresh {@code session} (it is reset first), streaming text to {@code sink}. */
    public GenerationResult generate(Session session, GenerationRequest request, TextSink sink) {
        session.reset();
        int[] prompt = request.prompt();
        if (prompt.length >= session.maxPositions()) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens; the context holds "
                    + session.maxPositions() + " and needs room for at least one new token");
        }
        Sampler sampler = new Sampler(request.sampling(), session.kernels());
        Tokenizer.StreamingDecoder decoder = tokenizer.newDecoder(prompt);
        StopStringFilter filter = new StopStringFilter(request.stopStrings());
        int vocab = session.vocabSize();
        int[] history = Arrays.copyOf(prompt, prompt.length + request.maxTokens());
        int length = prompt.length;

        long start = System.nanoTime();
        float[] logits = session.forward(prompt, 0, prompt.length, false);
        long firstToken = 0;
        int generated = 0;
        StopReason reason = StopReason.MAX_TOKENS;
        while (true) {
            int token = sampler.next(logits, vocab, history, length);
            history[length++] = token;
            generated++;
            if (generated == 1) {
                firstToken = System.nanoTime();
            }
            if (tokenizer.eosIds().contains(token)) {
                reason = StopReason.EOS;
                break;
            }
            String piece = filter.accept(decoder.next(token));
            if (!piece.isEmpty() && !sink.accept(piece)) {
                reason = StopReason.CANCELLED;
                break;
            }
            if (filter.stopped()) {
                reason = StopReason.STOP_STRING;
                break;
            }
            if (generated == request.maxTokens()) {
                break;
            }
            if (session.position() >= session.maxPositions()) {
                reason = StopReason.CONTEXT_FULL;
                break;
            }
            logits = session.decode(token);
        }
        long end = System.nanoTime();
        if (reason != StopReason.STOP_STRING && reason != StopReason.CANCELLED) {
            String rest = filter.accept(decoder.flush()) + filter.finish();
            if (!rest.isEmpty()) {
                sink.accept(rest);
            }
        }
        return new GenerationResult(filter.text(), prompt.length, generated, reason, firstToken - start, end - firstToken);
    }
}
