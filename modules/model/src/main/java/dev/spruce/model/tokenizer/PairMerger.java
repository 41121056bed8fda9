package dev.spruce.model.tokenizer;

import java.util.Arrays;
import java.util.PriorityQueue;

/**
 * Greedy pair merging, the core of BPE: repeatedly replaces the adjacent pair of ids whose merge
 * has the best priority (the lowest value; the leftmost pair on ties) by the merged id, until no
 * adjacent pair has a merge. llama2.c and Hugging Face {@code tokenizers} both define encoding
 * this way; they differ only in the priority (a vocabulary score or a merge rank).
 *
 * <p>SentencePiece-style tokenizers merge a whole text, not a word, so the naive rescan per merge
 * (quadratic) is too slow: a doubly linked list over the symbols and a priority queue of candidate
 * pairs make it O(n log n). Candidates are checked when they come out of the queue and dropped if
 * either side has been merged since.
 */
final class PairMerger {

    private record Candidate(double priority, int left, int right, int leftId, int rightId, int merged)
            implements Comparable<Candidate> {
        @Override
        public int compareTo(Candidate o) {
            int c = Double.compare(priority, o.priority);
            return c != 0 ? c : Integer.compare(left, o.left);
        }
    }

    private static final int GONE = -1;
    private static final long EMPTY = -1;

    /*
     * An open-addressing table from pair key to merge. Keys of real pairs are never negative, so -1
     * marks a free slot. A java.util map would box every key, and Long.hashCode (left ^ right)
     * collides for whole families of pairs: loading a 49k-merge vocabulary took seconds.
     */
    private final long[] keys;
    private final int[] mergedIds;
    private final double[] priorities;
    private final int mask;

    private PairMerger(Builder b) {
        int capacity = Integer.highestOneBit(Math.max(4, b.count * 2) - 1) << 1;
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        mergedIds = new int[capacity];
        priorities = new double[capacity];
        mask = capacity - 1;
        for (int i = 0; i < b.count; i++) {
            int slot = slot(b.keys[i]);
            keys[slot] = b.keys[i];
            mergedIds[slot] = b.ids[i];
            priorities[slot] = b.priorities[i];
        }
    }

    /** Collects merges; a pair added again replaces its earlier merge. */
    static final class Builder {
        private long[] keys = new long[64];
        private int[] ids = new int[64];
        private double[] priorities = new double[64];
        private int count;

        /** Merging {@code left} then {@code right} (non-negative ids) gives {@code id}, lower priorities first. */
        Builder add(int left, int right, int id, double priority) {
            if (left < 0 || right < 0 || id < 0) {
                throw new IllegalArgumentException("negative id in merge " + left + " + " + right + " -> " + id);
            }
            if (count == keys.length) {
                keys = Arrays.copyOf(keys, count * 2);
                ids = Arrays.copyOf(ids, count * 2);
                priorities = Arrays.copyOf(priorities, count * 2);
            }
            keys[count] = key(left, right);
            ids[count] = id;
            priorities[count++] = priority;
            return this;
        }

        PairMerger build() {
            return new PairMerger(this);
        }
    }

    static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFF_FFFFL);
    }

    /** The slot holding {@code key}, or the free slot where it would go. */
    private int slot(long key) {
        // MurmurHash3's 64-bit finalizer spreads the two ids over all bits.
        long h = key;
        h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
        h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
        int i = (int) (h ^ (h >>> 33)) & mask;
        while (keys[i] != EMPTY && keys[i] != key) {
            i = (i + 1) & mask;
        }
        return i;
    }

    /** Merges {@code ids} (not changed) until no pair merges; ids are non-negative. */
    int[] apply(int[] ids) {
        int n = ids.length;
        if (n < 2) {
            return ids.clone();
        }
        int[] token = ids.clone();
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : GONE;
            prev[i] = i - 1;
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>();
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, token, i, i + 1);
        }
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            int l = c.left(), r = c.right();
            // Stale when either side has merged since: merged symbols get new ids, absorbed ones GONE.
            if (token[l] != c.leftId() || token[r] != c.rightId() || next[l] != r) {
                continue;
            }
            token[l] = c.merged();
            token[r] = GONE;
            int after = next[r];
            next[l] = after;
            if (after != GONE) {
                prev[after] = l;
                offer(queue, token, l, after);
            }
            if (prev[l] >= 0) {
                offer(queue, token, prev[l], l);
            }
        }
        IntList out = new IntList();
        for (int i = 0; i != GONE; i = next[i]) {
            out.add(token[i]);
        }
        return out.toArray();
    }

    private void offer(PriorityQueue<Candidate> queue, int[] token, int left, int right) {
        int slot = slot(key(token[left], token[right]));
        if (keys[slot] != EMPTY) {
            queue.add(new Candidate(priorities[slot], left, right, token[left], token[right], mergedIds[slot]));
        }
    }
}
