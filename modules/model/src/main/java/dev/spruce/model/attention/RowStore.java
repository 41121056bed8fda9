package dev.spruce.model.attention;

import dev.spruce.kernels.FloatFormats;
import dev.spruce.kernels.GroupQuantizer;

/**
 * Fixed-width float rows kept in some format: exact floats, 16-bit floats, or quantised in groups.
 * Rows are written once and decoded whenever attention reads them.
 */
sealed interface RowStore {

    void write(int row, float[] src, int offset);

    void read(int row, float[] dst, int offset);

    /** Bytes one row takes. */
    long bytesPerRow();

    /** {@code rows} rows of {@code width} floats in {@code format}. */
    static RowStore create(HighPrecision format, int rows, int width, int groupSize) {
        return switch (format) {
            case F32 -> new Floats(rows, width);
            case BF16 -> new Halves(rows, width, true);
            case F16 -> new Halves(rows, width, false);
            case INT8 -> new Quantized(rows, width, new GroupQuantizer(8, groupSize));
        };
    }

    /** Exact floats. */
    record Floats(float[] data, int width) implements RowStore {
        Floats(int rows, int width) {
            this(new float[rows * width], width);
        }

        @Override
        public void write(int row, float[] src, int offset) {
            System.arraycopy(src, offset, data, row * width, width);
        }

        @Override
        public void read(int row, float[] dst, int offset) {
            System.arraycopy(data, row * width, dst, offset, width);
        }

        @Override
        public long bytesPerRow() {
            return (long) width * Float.BYTES;
        }
    }

    /** BF16 or F16, rounded to nearest even. */
    record Halves(short[] data, int width, boolean brain) implements RowStore {
        Halves(int rows, int width, boolean brain) {
            this(new short[rows * width], width, brain);
        }

        @Override
        public void write(int row, float[] src, int offset) {
            for (int i = 0; i < width; i++) {
                float x = src[offset + i];
                data[row * width + i] = brain ? FloatFormats.floatToBf16(x) : FloatFormats.floatToF16(x);
            }
        }

        @Override
        public void read(int row, float[] dst, int offset) {
            for (int i = 0; i < width; i++) {
                short b = data[row * width + i];
                dst[offset + i] = brain ? FloatFormats.bf16ToFloat(b) : FloatFormats.f16ToFloat(b);
            }
        }

        @Override
        public long bytesPerRow() {
            return (long) width * Short.BYTES;
        }
    }

    /** Asymmetric round-to-nearest in groups ({@link GroupQuantizer}). */
    record Quantized(byte[] codes, short[] params, int width, GroupQuantizer quantizer) implements RowStore {
        Quantized(int rows, int width, GroupQuantizer quantizer) {
            this(new byte[rows * quantizer.codeBytes(width)], new short[rows * 2 * quantizer.groups(width)], width,
                    quantizer);
        }

        @Override
        public void write(int row, float[] src, int offset) {
            quantizer.quantize(src, offset, width, codes, row * quantizer.codeBytes(width), params,
                    row * 2 * quantizer.groups(width));
        }

        @Override
        public void read(int row, float[] dst, int offset) {
            quantizer.dequantize(codes, row * quantizer.codeBytes(width), params, row * 2 * quantizer.groups(width),
                    width, dst, offset);
        }

        @Override
        public long bytesPerRow() {
            return quantizer.bytesPerVector(width);
        }
    }
}
