package dev.spruce.model.generation;

import java.util.List;

/**
 * Streams text while watching for stop strings: text that could still turn out to be the start of
 * a stop string is held back until it cannot, and nothing from a stop string onwards is released.
 */
final class StopStringFilter {

    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private final StringBuilder released = new StringBuilder();
    private boolean stopped;

    StopStringFilter(List<String> stops) {
        this.stops = stops;
    }

    /** Adds new text and returns the part that is now safe to show (possibly empty). */
    String accept(String text) {
        if (stopped) {
            return "";
        }
        pending.append(text);
        int cut = firstStop();
        if (cut >= 0) {
            stopped = true;
            return release(cut);
        }
        return release(pending.length() - longestStopPrefixSuffix());
    }

    /** True once a stop string was seen. */
    boolean stopped() {
        return stopped;
    }

    /** Releases whatever is held back (at the end of a generation that did not stop on a string). */
    String finish() {
        return stopped ? "" : release(pending.length());
    }

    /** All text released so far. */
    String text() {
        return released.toString();
    }

    private String release(int n) {
        String out = pending.substring(0, n);
        pending.delete(0, stopped ? pending.length() : n);
        released.append(out);
        return out;
    }

    private int firstStop() {
        int best = -1;
        for (String s : stops) {
            int i = pending.indexOf(s);
            if (i >= 0 && (best < 0 || i < best)) {
                best = i;
            }
        }
        return best;
    }

    /** Length of the longest suffix of the pending text that is a proper prefix of a stop string. */
    private int longestStopPrefixSuffix() {
        int best = 0;
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, pending.length()); len > best; len--) {
                if (pending.toString().regionMatches(pending.length() - len, s, 0, len)) {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }
}
