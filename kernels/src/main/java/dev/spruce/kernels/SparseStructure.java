package dev.spruce.kernels;

/**
 * How the kept weights of a {@link SparseMatrix} are arranged along its rows: anywhere, or at most
 * {@code n} in every aligned group of {@code m} consecutive input columns. The storage is the same
 * bitmask either way (for {@code n:m} each group's {@code m} bits are its kept positions); the
 * structure is what a checkpoint declares and what loaders validate.
 */
public sealed interface SparseStructure {

    /** Kept weights anywhere in a row. */
    SparseStructure UNSTRUCTURED = new Unstructured();

    /** NVIDIA-style 2:4, the structure of compressed-tensors' {@code sparse-24-bitmask}. */
    SparseStructure TWO_FOUR = new NOfM(2, 4);

    /** {@code "unstructured"} or {@code "n:m"}. */
    String label();

    /** Any arrangement. */
    record Unstructured() implements SparseStructure {
        @Override
        public String label() {
            return "unstructured";
        }
    }

    /**
     * At most {@code n} kept weights in each aligned group of {@code m} columns.
     *
     * @param n kept per group, {@code 1 <= n < m}
     * @param m group width, {@code 2 <= m <= 64}
     */
    record NOfM(int n, int m) implements SparseStructure {
        public NOfM {
            if (m < 2 || m > 64 || n < 1 || n >= m) {
                throw new IllegalArgumentException("an n:m structure needs 1 <= n < m <= 64, got " + n + ":" + m);
            }
        }

        @Override
        public String label() {
            return n + ":" + m;
        }
    }
}
