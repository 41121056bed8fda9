package dev.spruce.checkpoint.sparse;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.spruce.checkpoint.Checkpoint;
import dev.spruce.checkpoint.CheckpointFormatException;
import dev.spruce.checkpoint.DType;
import dev.spruce.checkpoint.Shape;
import dev.spruce.checkpoint.Tensor;
import dev.spruce.checkpoint.TensorSpec;
import dev.spruce.kernels.SparseMatrix;
import dev.spruce.kernels.SparseMatrixChecks;
import dev.spruce.kernels.SparseStructure;
import dev.spruce.kernels.WeightDtype;

/**
 * A linear weight stored in the legacy compressed-tensors bitmask layouts, which the engine maps
 * and multiplies as is. For a module {@code M} (the weight's name without {@code .weight}):
 * <ul>
 *   <li>{@code sparse-bitmask}: {@code M.compressed} the kept values, 1-D, in the weight's dtype;
 *       {@code M.bitmask} U8 {@code [rows, ceil(cols / 8)]}, bit {@code c % 8} of byte {@code c / 8},
 *       least significant first; {@code M.shape} I64 {@code [2]}; {@code M.row_offsets} I64
 *       {@code [rows]}, where each row's values start.
 *   <li>{@code sparse-24-bitmask}: exactly 2 values per 4 along the input dimension, so
 *       {@code M.compressed} is {@code [rows, cols / 2]}, no row offsets, and {@code M.shape} is
 *       I64 {@code [2, 1]}.
 * </ul>
 */
public final class PackedWeights {

    public static final String COMPRESSED = ".compressed";
    public static final String BITMASK = ".bitmask";
    public static final String SHAPE = ".shape";
    public static final String ROW_OFFSETS = ".row_offsets";
    /** {@code compression_config.sparsity_config.format} of a checkpoint whose packed weights are all 2:4. */
    public static final String FORMAT_24 = "sparse-24-bitmask";
    /** {@code compression_config.sparsity_config.format} otherwise. */
    public static final String FORMAT_BITMASK = "sparse-bitmask";

    private PackedWeights() {
    }

    /** {@code a.b.q_proj.weight → a.b.q_proj}. */
    public static String module(String weightName) {
        return weightName.endsWith(".weight") ? weightName.substring(0, weightName.length() - ".weight".length()) : weightName;
    }

    /** Whether {@code checkpoint} holds {@code weightName} packed rather than as a dense tensor. */
    public static boolean isPacked(Checkpoint checkpoint, String weightName) {
        return checkpoint.tensor(module(weightName) + COMPRESSED) != null;
    }

    /**
     * The packed weight as a {@link SparseMatrix} over the mapped tensors, after checking every part
     * against the others: shapes, dtypes, each row's bitmask population against its values, and
     * (for 2:4) that no group keeps more than 2.
     *
     * @throws CheckpointFormatException naming the tensor and the problem
     */
    public static SparseMatrix read(Checkpoint checkpoint, String weightName) throws CheckpointFormatException {
        String m = module(weightName);
        Tensor values = require(checkpoint, m + COMPRESSED);
        Tensor mask = require(checkpoint, m + BITMASK);
        Tensor shape = require(checkpoint, m + SHAPE);
        Tensor offsets = checkpoint.tensor(m + ROW_OFFSETS);
        if ((shape.dtype() != DType.I64 && shape.dtype() != DType.I32) || shape.numel() != 2) {
            throw problem(shape, "must hold the 2 dimensions of the weight as integers, found " + shape.dtype() + " "
                    + shape.shape());
        }
        long rowsL = shape.longAt(0);
        long colsL = shape.longAt(1);
        if (rowsL <= 0 || colsL <= 0 || rowsL > Integer.MAX_VALUE || colsL > Integer.MAX_VALUE) {
            throw problem(shape, "gives the weight shape [" + rowsL + ", " + colsL + "]");
        }
        int rows = (int) rowsL;
        int cols = (int) colsL;
        WeightDtype dtype = switch (values.dtype()) {
            case F32 -> WeightDtype.F32;
            case BF16 -> WeightDtype.BF16;
            case F16 -> WeightDtype.F16;
            default -> throw problem(values, "has dtype " + values.dtype() + ", expected one of F32, F16, BF16");
        };
        Shape maskShape = Shape.of(rows, SparseMatrix.maskStride(cols));
        if ((mask.dtype() != DType.U8 && mask.dtype() != DType.I8 && mask.dtype() != DType.BOOL)
                || !mask.shape().equals(maskShape)) {
            throw problem(mask, "is " + mask.dtype() + " " + mask.shape() + ", expected U8 " + maskShape + " for a ["
                    + rows + ", " + cols + "] weight");
        }
        long[] rowOffsets = new long[rows + 1];
        SparseStructure structure;
        if (offsets != null) {
            structure = SparseStructure.UNSTRUCTURED;
            if (offsets.dtype() != DType.I64 && offsets.dtype() != DType.I32 || offsets.numel() != rows) {
                throw problem(offsets, "is " + offsets.dtype() + " " + offsets.shape() + ", expected I64 [" + rows + "]");
            }
            for (int r = 0; r < rows; r++) {
                rowOffsets[r] = offsets.longAt(r);
            }
            if (rowOffsets[0] != 0) {
                throw problem(offsets, "must start at 0, starts at " + rowOffsets[0]);
            }
            rowOffsets[rows] = values.numel();
        } else {
            structure = SparseStructure.TWO_FOUR;
            if (cols % 4 != 0) {
                throw problem(values, "is 2:4 but the weight's width " + cols + " is not divisible by 4");
            }
            if (!values.shape().equals(Shape.of(rows, cols / 2))) {
                throw problem(values, "has shape " + values.shape() + ", but a 2:4 weight [" + rows + ", " + cols
                        + "] keeps exactly 2 values per 4: expected [" + rows + ", " + cols / 2 + "]");
            }
            for (int r = 0; r <= rows; r++) {
                rowOffsets[r] = (long) r * (cols / 2);
            }
        }
        for (int r = 0; r < rows; r++) {
            if (rowOffsets[r + 1] < rowOffsets[r] || rowOffsets[r + 1] > values.numel()) {
                throw problem(offsets, "row " + (r + 1) + " starts at " + rowOffsets[r + 1] + ", outside the "
                        + values.numel() + " values or before row " + r);
            }
        }
        SparseMatrix matrix = new SparseMatrix(values.data(), dtype, mask.data(), rowOffsets, rows, cols, structure);
        String bad = SparseMatrixChecks.firstProblem(matrix);
        if (bad != null) {
            throw problem(mask, "disagrees with " + values.name() + (offsets == null ? "" : " and " + offsets.name()) + ": "
                    + bad);
        }
        return matrix;
    }

    /** The tensors that store {@code m} under {@code weightName}: 2:4 in its fixed layout, others with row offsets. */
    public static List<TensorSpec> specs(String weightName, int rows, int cols, long valueCount, DType valueDtype,
                                         boolean twoFourLayout) {
        String module = module(weightName);
        List<TensorSpec> specs = new ArrayList<>();
        if (twoFourLayout) {
            specs.add(TensorSpec.of(module + COMPRESSED, valueDtype, rows, cols / 2));
            specs.add(TensorSpec.of(module + BITMASK, DType.U8, rows, SparseMatrix.maskStride(cols)));
            specs.add(TensorSpec.of(module + SHAPE, DType.I64, 2, 1));
        } else {
            specs.add(TensorSpec.of(module + COMPRESSED, valueDtype, valueCount));
            specs.add(TensorSpec.of(module + BITMASK, DType.U8, rows, SparseMatrix.maskStride(cols)));
            specs.add(TensorSpec.of(module + SHAPE, DType.I64, 2));
            specs.add(TensorSpec.of(module + ROW_OFFSETS, DType.I64, rows));
        }
        return specs;
    }

    /** The weight name ({@code M.weight}) a packed part ({@code M.compressed}, ...) belongs to, or null. */
    public static String weightOf(String partName) {
        for (String suffix : new String[] {COMPRESSED, BITMASK, SHAPE, ROW_OFFSETS}) {
            if (partName.endsWith(suffix)) {
                return partName.substring(0, partName.length() - suffix.length()) + ".weight";
            }
        }
        return null;
    }

    /** Writes the part {@code spec} names (one of {@link #specs}) of {@code m} into {@code target}. */
    public static void fill(TensorSpec spec, SparseMatrix m, MemorySegment target) {
        String name = spec.name();
        if (name.endsWith(COMPRESSED)) {
            MemorySegment.copy(m.values(), 0, target, 0, spec.byteSize());
        } else if (name.endsWith(BITMASK)) {
            MemorySegment.copy(m.bitmask(), 0, target, 0, spec.byteSize());
        } else if (name.endsWith(SHAPE)) {
            target.setAtIndex(Tensor.I64, 0, m.rows());
            target.setAtIndex(Tensor.I64, 1, m.cols());
        } else if (name.endsWith(ROW_OFFSETS)) {
            for (int r = 0; r < m.rows(); r++) {
                target.setAtIndex(Tensor.I64, r, m.rowOffsets()[r]);
            }
        } else {
            throw new IllegalArgumentException("not a packed tensor: " + name);
        }
    }

    private static Tensor require(Checkpoint checkpoint, String name) throws CheckpointFormatException {
        Tensor t = checkpoint.tensor(name);
        if (t == null) {
            throw new CheckpointFormatException(checkpoint.directory(), name + " is missing: a packed weight needs "
                    + COMPRESSED.substring(1) + ", " + BITMASK.substring(1) + " and " + SHAPE.substring(1));
        }
        return t;
    }

    private static CheckpointFormatException problem(Tensor t, String what) {
        Path file = t.source();
        return new CheckpointFormatException(file, t.name(), -1, "it " + what);
    }
}
