package dev.spruce.model;

import java.util.Map;

import dev.spruce.checkpoint.Tensor;
import dev.spruce.checkpoint.llama.LlamaTensorNames;
import dev.spruce.kernels.DenseMatrix;
import dev.spruce.kernels.Kernels;
import dev.spruce.kernels.SparseMatrix;
import dev.spruce.kernels.SparsePacking;

/**
 * Builds a decoder block's linears in the format the checkpoint and the {@link SparseWeightPolicy}
 * call for: packed weights as they are stored, dense tensors dense or packed in memory.
 */
final class BlockLinears {

    /** Rows sampled before counting every zero: a dense matrix is recognised from its first rows. */
    private static final int SAMPLE_ROWS = 16;

    private final Map<String, SparseMatrix> packed;
    private final SparseWeightPolicy policy;
    private final Kernels kernels;

    BlockLinears(Map<String, SparseMatrix> packed, SparseWeightPolicy policy, Kernels kernels) {
        this.packed = packed;
        this.policy = policy;
        this.kernels = kernels;
    }

    /**
     * @param module e.g. {@code self_attn.q_proj}
     * @param weight the dense weight, or null when the checkpoint stores it packed
     * @param bias   the bias, or null
     */
    Linear create(int layer, String module, Tensor weight, Tensor bias) {
        String name = LlamaTensorNames.layer(layer, module + ".weight");
        float[] b = bias == null ? null : LlamaModel.floats(bias);
        SparseMatrix stored = packed.get(name);
        if (stored != null) {
            return new SparseLinear(name, stored, b, kernels);
        }
        DenseMatrix m = LlamaModel.matrix(weight);
        boolean pack = switch (policy.mode()) {
            case OFF -> false;
            case ON -> true;
            case AUTO -> sparseEnough(m, policy.minSparsity());
        };
        return pack ? new SparseLinear(name, SparsePacking.pack(m, SparsePacking.detect(m)), b, kernels)
                : new DenseLinear(name, m, b, kernels);
    }

    /** Whether at least {@code min} of the weights are zero; a sample of rows rules out dense matrices cheaply. */
    static boolean sparseEnough(DenseMatrix m, double min) {
        if (min <= 0) {
            return true;
        }
        int sampled = Math.min(SAMPLE_ROWS, m.rows());
        DenseMatrix head = new DenseMatrix(m.data(), m.dtype(), sampled, m.cols());
        double sampleSparsity = (double) SparsePacking.countZeros(head) / ((double) sampled * m.cols());
        if (sampleSparsity < min / 2) {
            return false;
        }
        return SparsePacking.countZeros(m) >= min * m.rows() * m.cols();
    }
}
