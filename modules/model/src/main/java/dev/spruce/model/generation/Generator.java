package dev.spruce.model.generation;

import dev.spruce.model.Session;
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
        Generation generation = new Generation(tokenizer, session.kernels(), request, session.maxPositions(), sink);
        int[] prompt = request.prompt();
        float[] logits = session.forward(prompt, 0, prompt.length, false);
        for (int token; (token = generation.next(logits, session.vocabSize())) >= 0; ) {
            logits = session.decode(token);
        }
        return generation.result();
    }
}
