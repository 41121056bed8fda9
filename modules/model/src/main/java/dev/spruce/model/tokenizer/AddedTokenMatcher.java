package dev.spruce.model.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens in text, leftmost first and the longest at a position (Hugging Face matches
 * them the same way, with Aho–Corasick), and cuts the text into plain stretches and tokens.
 */
final class AddedTokenMatcher {

    /**
     * A plain stretch ({@code id == -1}) or an added token, starting at {@code offset} in the text
     * that was split.
     */
    record Segment(String text, int id, int offset) {
        boolean isToken() {
            return id >= 0;
        }
    }

    /** Candidates by first character, longest first. */
    private final Map<Character, List<AddedToken>> byFirstChar = new HashMap<>();

    AddedTokenMatcher(List<AddedToken> tokens) {
        for (AddedToken t : tokens) {
            byFirstChar.computeIfAbsent(t.content().charAt(0), c -> new ArrayList<>()).add(t);
        }
        byFirstChar.values().forEach(l -> l.sort(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed()));
    }

    List<Segment> split(String text) {
        List<Segment> out = new ArrayList<>();
        if (byFirstChar.isEmpty()) {
            if (!text.isEmpty()) {
                out.add(new Segment(text, -1, 0));
            }
            return out;
        }
        int plainStart = 0;
        int i = 0;
        while (i < text.length()) {
            AddedToken t = longestAt(text, i);
            if (t == null) {
                i++;
                continue;
            }
            int start = i, end = i + t.content().length();
            if (t.lstrip()) {
                while (start > plainStart && Character.isWhitespace(text.charAt(start - 1))) {
                    start--;
                }
            }
            if (t.rstrip()) {
                while (end < text.length() && Character.isWhitespace(text.charAt(end))) {
                    end++;
                }
            }
            if (start > plainStart) {
                out.add(new Segment(text.substring(plainStart, start), -1, plainStart));
            }
            out.add(new Segment(text.substring(start, end), t.id(), start));
            plainStart = i = end;
        }
        if (plainStart < text.length()) {
            out.add(new Segment(text.substring(plainStart), -1, plainStart));
        }
        return out;
    }

    private AddedToken longestAt(String text, int at) {
        List<AddedToken> candidates = byFirstChar.get(text.charAt(at));
        if (candidates == null) {
            return null;
        }
        for (AddedToken t : candidates) {
            int end = at + t.content().length();
            if (text.startsWith(t.content(), at) && (!t.singleWord() || standsAlone(text, at, end))) {
                return t;
            }
        }
        return null;
    }

    private static boolean standsAlone(String text, int start, int end) {
        return (start == 0 || !Character.isLetterOrDigit(text.codePointBefore(start)))
                && (end == text.length() || !Character.isLetterOrDigit(text.codePointAt(end)));
    }
}
