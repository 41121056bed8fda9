package dev.spruce.model.tokenizer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a splitting pre-tokenizer does with the stretches its pattern matches, as Hugging Face
 * {@code tokenizers} defines it ({@code SplitDelimiterBehavior}): drop them, keep each as a word,
 * glue each to the word before or after, or keep runs of them as one word.
 */
enum SplitBehavior {
    REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS;

    /** A stretch {@code [start, end)} of the text, matched by the pattern or not. */
    private static final class Span {
        int start, end;
        final boolean match;

        Span(int start, int end, boolean match) {
            this.start = start;
            this.end = end;
            this.match = match;
        }
    }

    /** The name in {@code tokenizer.json} ({@code "MergedWithNext"}), or {@code null} if unknown. */
    static SplitBehavior fromJson(String name) {
        return switch (name) {
            case "Removed" -> REMOVED;
            case "Isolated" -> ISOLATED;
            case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> MERGED_WITH_NEXT;
            case "Contiguous" -> CONTIGUOUS;
            default -> null;
        };
    }

    /** {@code text} cut around the non-empty matches of {@code pattern} (or around the rest, if inverted). */
    List<String> split(String text, Pattern pattern, boolean invert) {
        List<Span> spans = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        int previousEnd = 0;
        while (m.find()) {
            if (m.end() == m.start()) {
                continue;
            }
            if (m.start() > previousEnd) {
                spans.add(new Span(previousEnd, m.start(), invert));
            }
            spans.add(new Span(m.start(), m.end(), !invert));
            previousEnd = m.end();
        }
        if (previousEnd < text.length()) {
            spans.add(new Span(previousEnd, text.length(), invert));
        }
        List<String> words = new ArrayList<>();
        for (Span s : arrange(spans)) {
            if (s.end > s.start) {
                words.add(text.substring(s.start, s.end));
            }
        }
        return words;
    }

    private List<Span> arrange(List<Span> spans) {
        return switch (this) {
            case ISOLATED -> spans;
            case REMOVED -> spans.stream().filter(s -> !s.match).toList();
            case MERGED_WITH_PREVIOUS -> mergeMatchesInto(spans);
            case MERGED_WITH_NEXT -> {
                // The same fold run from the right, so a match joins the word after it.
                List<Span> reversed = new ArrayList<>(spans);
                Collections.reverse(reversed);
                List<Span> merged = mergeMatchesInto(reversed);
                Collections.reverse(merged);
                yield merged;
            }
            case CONTIGUOUS -> {
                List<Span> out = new ArrayList<>();
                boolean previousMatch = false;
                for (Span s : spans) {
                    if (s.match == previousMatch && !out.isEmpty()) {
                        out.getLast().end = s.end;
                    } else {
                        out.add(new Span(s.start, s.end, s.match));
                    }
                    previousMatch = s.match;
                }
                yield out;
            }
        };
    }

    /**
     * A match right after a non-match joins the preceding span in the iteration order (extending it
     * towards the match); a match after a match stays on its own.
     */
    private static List<Span> mergeMatchesInto(List<Span> spans) {
        List<Span> out = new ArrayList<>();
        boolean previousMatch = false;
        for (Span s : spans) {
            if (s.match && !previousMatch && !out.isEmpty()) {
                Span last = out.getLast();
                last.start = Math.min(last.start, s.start);
                last.end = Math.max(last.end, s.end);
            } else {
                out.add(new Span(s.start, s.end, s.match));
            }
            previousMatch = s.match;
        }
        return out;
    }
}
