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
     * What N:M does with the last group of a row whose input width is not a multiple of {@code m}
     * (stories260K's {@code down_proj} has 172 columns: 4:8 leaves a group of 4).
     */
    enum PartialGroup {
        /** Refuse the matrix (the default: no hardware N:M layout has such a group). */
        REFUSE,
        /** Leave the partial group's weights dense. */
        DENSE,
        /**
         * Prune its {@code n} lowest scores, all of them when it is {@code n} wide or narrower: what
         * the Wanda and SparseGPT reference code does ({@code topk} over a slice that runs off the end).
         */
        PRUNE_LOWEST
    }

    /**
     * Zero exactly {@code n} of every {@code m} consecutive weights of each row (Wanda's
     * {@code prune_n:prune_m}: 2:4 zeros 2 weights in each group of 4 input columns).
     *
     * @param partial what to do with a last group narrower than {@code m}
     */
    record NM(int n, int m, PartialGroup partial) implements SparsityPattern {

        public NM {
            if (m < 2 || n < 1 || n >= m) {
                throw new IllegalArgumentException("N:M sparsity needs 1 ≤ n < m (n zeros per m weights), got " + n + ":" + m);
            }
            if (partial == null) {
                throw new IllegalArgumentException("partial group policy is null");
            }
        }

        /** {@code n:m}, refusing matrices whose width is not a multiple of {@code m}. */
        public NM(int n, int m) {
            this(n, m, PartialGroup.REFUSE);
        }

        /** The same {@code n:m} with another policy for partial groups. */
        public NM withPartial(PartialGroup policy) {
            return new NM(n, m, policy);
        }

        @Override
        public double sparsity() {
            return (double) n / m;
        }

        /** Weights to prune in a group of {@code width ≤ m} columns. */
        public int prunedIn(int width) {
            if (width == m) {
                return n;
            }
            return switch (partial) {
                case REFUSE -> throw new IllegalStateException(this + " cannot prune a group of " + width);
                case DENSE -> 0;
                case PRUNE_LOWEST -> Math.min(n, width);
            };
        }

        @Override
        public void requireFits(int rows, int cols) {
            Matrices.requirePositiveShape(rows, cols);
            if (cols % m != 0 && partial == PartialGroup.REFUSE) {
                throw new IllegalArgumentException(n + ":" + m + " sparsity needs the input dimension to be a multiple of "
                        + m + ", but the matrix has " + cols + " columns");
            }
        }

        @Override
        public String toString() {
            return switch (partial) {
                case REFUSE -> n + ":" + m;
                case DENSE -> n + ":" + m + " (partial groups dense)";
                case PRUNE_LOWEST -> n + ":" + m + " (partial groups pruned lowest)";
            };
        }
    }
}
