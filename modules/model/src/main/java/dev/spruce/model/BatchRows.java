package dev.spruce.model;

/**
 * Where each row of a forward batch belongs: the KV cache of its sequence and its position there.
 * A prefill's rows are consecutive positions of one sequence; a batched decode step has one row per
 * sequence, each at its own position of its own cache.
 */
public sealed interface BatchRows {

    /** The position of row {@code row}. */
    int position(int row);

    /** The KV cache row {@code row} is stored in and attends over. */
    KvCache cache(int row);

    /** Rows {@code 0, 1, ...} at positions {@code first, first + 1, ...} of one sequence. */
    record Consecutive(int first, KvCache cache) implements BatchRows {
        @Override
        public int position(int row) {
            return first + row;
        }

        @Override
        public KvCache cache(int row) {
            return cache;
        }
    }

    /** Row {@code b} at {@code positions[b]} of {@code caches[b]}: one token of each of several sequences. */
    record Independent(int[] positions, KvCache[] caches) implements BatchRows {
        public Independent {
            if (positions.length != caches.length) {
                throw new IllegalArgumentException(positions.length + " positions for " + caches.length + " caches");
            }
        }

        @Override
        public int position(int row) {
            return positions[row];
        }

        @Override
        public KvCache cache(int row) {
            return caches[row];
        }
    }
}
