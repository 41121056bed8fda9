package dev.spruce.compress.prune;

import org.ejml.data.DMatrixRMaj;

/**
 * Calibration statistics of the inputs of one linear layer, accumulated from the activations the
 * engine's {@code dev.spruce.model.LinearObserver} delivers ({@code [batch][features]} row-major):
 * what the pruners need, with the arithmetic of the reference implementations so that the numbers
 * match them.
 *
 * <ul>
 *   <li>{@link #scalerRow()}: Wanda's {@code scaler_row}, per input column {@code ‖X_j‖² / n} where
 *       {@code n} counts calibration <em>samples</em> (sequences), not token rows. Updated as the
 *       reference does: {@code s *= n/(n+k); n += k; s += ‖X_j‖²/n} for a call bringing {@code k}
 *       new samples.
 *   <li>{@link #sumPerSample()}: DSnoT's {@code sum_metric_row}, {@code Σ X_j / n}, updated the
 *       same way: the signed expected input of one sample, summed over its tokens.
 *   <li>{@link #mean()} and {@link #variance()}: DSnoT's per-column mean and (biased) variance,
 *       as the token-weighted running average of each call's mean and of each call's variance
 *       (so, like the reference, the spread between calls' means is not part of the variance).
 *   <li>{@link #hessian()}, only when asked for ({@code features²} doubles): SparseGPT's
 *       {@code H = (2/n) Σ XᵀX}, rescaled as it grows ({@code H *= n/(n+k); H += 2/(n+k) · XᵀX}),
 *       in double where the reference keeps float32.
 * </ul>
 *
 * <p>A call of {@link #add(float[], int, int)} is one calibration sample, as in the reference,
 * whose hook receives one {@code [1, seqlen, hidden]} sequence per call. When a sequence arrives in
 * several prefill chunks, pass {@code samples = 1} with its first chunk and {@code 0} with the rest:
 * the result equals one call with the whole sequence. Not thread-safe: feed it from one thread.
 */
public final class LinearStatistics {

    private final int features;
    private final double[] scalerRow;
    private final double[] sumPerSample;
    private final double[] mean;
    private final double[] variance;
    private final HessianAccumulator hessian;
    private long samples;
    private long tokens;

    private LinearStatistics(int features, HessianAccumulator hessian) {
        if (features < 1) {
            throw new IllegalArgumentException("a linear layer needs at least one input feature, got " + features);
        }
        this.features = features;
        this.scalerRow = new double[features];
        this.sumPerSample = new double[features];
        this.mean = new double[features];
        this.variance = new double[features];
        this.hessian = hessian;
    }

    /** Statistics for Wanda, DSnoT and OWL: {@code O(features)} memory. */
    public static LinearStatistics create(int features) {
        return new LinearStatistics(features, null);
    }

    /** Statistics that also accumulate SparseGPT's Hessian ({@code features²} doubles), on the calling thread. */
    public static LinearStatistics withHessian(int features) {
        return withHessian(features, Parallelism.SERIAL);
    }

    /** Statistics that also accumulate SparseGPT's Hessian, its updates split over {@code parallelism}. */
    public static LinearStatistics withHessian(int features, Parallelism parallelism) {
        return new LinearStatistics(features, new HessianAccumulator(features, parallelism));
    }

    /** Adds one calibration sample: {@code batch} token rows of {@code features} inputs from {@code x[0]}. */
    public void add(float[] x, int batch, int features) {
        add(x, batch, features, 1);
    }

    /**
     * Adds {@code batch} token rows that begin {@code samples} new calibration samples: 1 for a
     * whole sequence or its first chunk, 0 for a later chunk of the same sequence, {@code b} for
     * {@code b} sequences concatenated (the reference's {@code [b, seqlen, hidden]} input).
     *
     * @throws IllegalArgumentException on a shape mismatch, or when the first call starts no sample
     */
    public void add(float[] x, int batch, int features, int samples) {
        if (features != this.features) {
            throw new IllegalArgumentException("these statistics take " + this.features + " features, got " + features);
        }
        if (batch < 1 || (long) batch * features > x.length) {
            throw new IllegalArgumentException("need " + batch + " × " + features + " inputs, the array holds " + x.length);
        }
        if (samples < 0 || this.samples + samples == 0) {
            throw new IllegalArgumentException("samples must be ≥ 0 and the first call must start a sample, got " + samples);
        }
        long before = this.samples;
        long after = before + samples;
        double keep = (double) before / after;

        double[] colSum = new double[features];
        double[] colSquares = new double[features];
        for (int t = 0; t < batch; t++) {
            int o = t * features;
            for (int j = 0; j < features; j++) {
                double v = x[o + j];
                colSum[j] += v;
                colSquares[j] += v * v;
            }
        }
        // the reference's torch.var(unbiased=False) of this call, two-pass for accuracy
        double[] callMean = new double[features];
        for (int j = 0; j < features; j++) {
            callMean[j] = colSum[j] / batch;
        }
        double[] callVar = new double[features];
        for (int t = 0; t < batch; t++) {
            int o = t * features;
            for (int j = 0; j < features; j++) {
                double d = x[o + j] - callMean[j];
                callVar[j] += d * d;
            }
        }
        for (int j = 0; j < features; j++) {
            callVar[j] /= batch;
            if (samples > 0) {
                scalerRow[j] *= keep;
                sumPerSample[j] *= keep;
            }
            scalerRow[j] += colSquares[j] / after;
            sumPerSample[j] += colSum[j] / after;
            if (tokens == 0) {
                mean[j] = callMean[j];
                variance[j] = callVar[j];
            } else {
                mean[j] = (mean[j] * tokens + callMean[j] * batch) / (tokens + batch);
                variance[j] = (variance[j] * tokens + callVar[j] * batch) / (tokens + batch);
            }
        }
        if (hessian != null) {
            hessian.add(x, batch, samples > 0 ? keep : 1.0, 2.0 / after);
        }
        this.samples = after;
        this.tokens += batch;
    }

    /** Input features (the linear's columns). */
    public int features() {
        return features;
    }

    /** Calibration samples seen (the reference's {@code nsamples}). */
    public long samples() {
        return samples;
    }

    /** Token rows seen. */
    public long tokens() {
        return tokens;
    }

    /** Wanda's {@code scaler_row}: per column {@code ‖X_j‖² / samples}, a copy. */
    public double[] scalerRow() {
        return scalerRow.clone();
    }

    /** DSnoT's {@code sum_metric_row}: per column {@code Σ_tokens X_j / samples}, a copy. */
    public double[] sumPerSample() {
        return sumPerSample.clone();
    }

    /** Per-column mean input over all tokens, a copy. */
    public double[] mean() {
        return mean.clone();
    }

    /** Per-column biased variance, the token-weighted average of each call's variance, a copy. */
    public double[] variance() {
        return variance.clone();
    }

    /** Whether the Hessian is being accumulated. */
    public boolean hasHessian() {
        return hessian != null;
    }

    /**
     * SparseGPT's Hessian {@code (2/samples) Σ XᵀX}, symmetric, in a new {@code features × features} matrix.
     *
     * @throws IllegalStateException when these statistics were created without it
     */
    public DMatrixRMaj hessian() {
        if (hessian == null) {
            throw new IllegalStateException("these statistics were created without a Hessian: use LinearStatistics.withHessian");
        }
        return hessian.toMatrix();
    }
}
