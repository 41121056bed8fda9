package dev.spruce.compress.slice;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The principal directions of a residual stream, as SliceGPT's {@code pca_calc} finds them: the
 * eigenvectors of {@code H = Σ xxᵀ + δI} (the uncentred covariance over every calibration token,
 * damped by {@code δ} = 1% of the mean of its diagonal), sorted by decreasing eigenvalue.
 *
 * @param dim         features
 * @param eigenvalues of the damped {@code H}, decreasing
 * @param vectors     {@code Q}, row-major {@code dim × dim}: column {@code j} is the eigenvector of
 *                    {@code eigenvalues[j]}; orthogonal, so {@code x·Q} rotates a row vector onto them
 * @param damping     the {@code δ} added to the diagonal
 */
record Pca(int dim, double[] eigenvalues, double[] vectors, double damping) {

    /** SliceGPT's damping: this fraction of the mean diagonal. */
    static final double DAMPING = 0.01;

    /**
     * Eigendecomposes {@code covariance} (symmetric, {@code Σ xxᵀ} in double; it is overwritten).
     *
     * @throws IllegalStateException when the decomposition does not converge, or the inputs were
     *                               all zero or not finite (a broken model)
     */
    static Pca of(DMatrixRMaj covariance) {
        int n = covariance.numRows;
        double trace = 0;
        for (int i = 0; i < n; i++) {
            trace += covariance.get(i, i);
        }
        if (!(trace > 0) || !Double.isFinite(trace)) {
            throw new IllegalStateException("the calibration activations have a covariance trace of " + trace
                    + ": the model's activations are zero or not finite");
        }
        double damp = DAMPING * trace / n;
        for (int i = 0; i < n; i++) {
            covariance.add(i, i, damp);
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, true, true);
        if (!eig.decompose(covariance)) {
            throw new IllegalStateException("the symmetric eigendecomposition of a " + n + " × " + n
                    + " covariance did not converge");
        }
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = eig.getEigenvalue(i).getReal();
        }
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> values[i]).reversed());
        double[] sorted = new double[n];
        double[] q = new double[n * n];
        for (int j = 0; j < n; j++) {
            int src = order[j];
            sorted[j] = values[src];
            DMatrixRMaj v = eig.getEigenVector(src);
            for (int r = 0; r < n; r++) {
                q[r * n + j] = v.get(r, 0);
            }
        }
        return new Pca(n, sorted, q, damp);
    }

    /**
     * Fraction of the calibration variance (undamped) along the first {@code keep} directions:
     * what slicing to {@code keep} features preserves.
     */
    double explained(int keep) {
        double kept = 0;
        double total = 0;
        for (int j = 0; j < dim; j++) {
            double v = Math.max(0, eigenvalues[j] - damping);
            total += v;
            if (j < keep) {
                kept += v;
            }
        }
        return total == 0 ? 1 : kept / total;
    }
}
