package dev.spruce.model.generation;

import java.util.List;

import dev.spruce.model.sampling.SamplingSettings;

/**
 * What to generate.
 *
 * @param prompt      the prompt's token ids, BOS included when the model wants one
 * @param maxTokens   new tokens at most (≥ 1)
 * @param sampling    how tokens are chosen
 * @param stopStrings generation ends before the first occurrence of any of these in the new text
 */
public record GenerationRequest(int[] prompt, int maxTokens, SamplingSettings sampling, List<String> stopStrings) {

    public GenerationRequest {
        if (prompt == null || prompt.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("max tokens must be at least 1, got " + maxTokens);
        }
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        if (stopStrings.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("stop strings must not be empty");
        }
    }
}
