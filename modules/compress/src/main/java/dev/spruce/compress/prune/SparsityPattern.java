package dev.spruce.compress.prune;

/**
 * Which weights of a linear layer may be zeroed: a fraction anywhere ({@link Unstructured}) or
 * exactly {@code n} of every {@code m} consecutive weights along the input dimension ({@link NM},
 * the semi-structured layout sparse tensor cores accelerate).
 */
public sealed interface SparsityPattern {

    /** The fraction of weights this pattern asks to zero. */
    double sparsity();

    /**
     * Checks that a {@code rows × cols} weight matrix can take this pattern.
     *
     * @throws IllegalArgumentException naming the shape and what the pattern needs
     */
    void requireFits(int rows, int cols);

    /**
     * Parses {@code "0.5"} (unstructured) or {@code "2:4"} (N:M).
     *
     * @throws IllegalArgumentException when {@code text} is neither, or out of range
     */
    static SparsityPattern parse(String text) {
        String t = text.strip();
        int colon = t.indexOf(':');
        try {
            if (colon < 0) {
                return new Unstructured(Double.parseDouble(t));
            }
            return new NM(Integer.parseInt(t.substring(0, colon).strip()), Integer.parseInt(t.substring(colon + 1).strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("sparsity pattern '" + text + "' is neither a fraction like 0.5 nor N:M like 2:4", e);
        }
    }

    /**
     * Zero a fraction {@code sparsity} of the weights, wherever the pruner's score is lowest.
     *
     * @param sparsity strictly between 0 and 1
     */
    record Unstructured(double sparsity) implements SparsityPattern {

        public Unstructured {
            if (!(sparsity > 0 && sparsity < 1)) {
                throw new IllegalArgumentException("unstructured sparsity must be strictly between 0 and 1, got " + sparsity);
            }
        }

        @Override
        public void requireFits(int rows, int cols) {
            Matrices.requirePositiveShape(rows, cols);
        }

        @Override
        public String toString() {
            return Double.toString(sparsity);
        }
    }

    /**
     * Zero exactly {@code n} of every {@code m} consecutive weights of each row (Wanda's
     * {@code prune_n:prune_m}: 2:4 zeros 2 weights in each group of 4 input columns).
     */
    record NM(int n, int m) implements SparsityPattern {

        public NM {
            if (m < 2 || n < 1 || n >= m) {
                throw new IllegalArgumentException("N:M sparsity needs 1 ≤ n < m (n zeros per m weights), got " + n + ":" + m);
            }
        }

        @Override
        public double sparsity() {
            return (double) n / m;
        }

        @Override
        public void requireFits(int rows, int cols) {
            Matrices.requirePositiveShape(rows, cols);
            if (cols % m != 0) {
                throw new IllegalArgumentException(n + ":" + m + " sparsity needs the input dimension to be a multiple of "
                        + m + ", but the matrix has " + cols + " columns");
            }
        }

        @Override
        public String toString() {
            return n + ":" + m;
        }
    }
}
