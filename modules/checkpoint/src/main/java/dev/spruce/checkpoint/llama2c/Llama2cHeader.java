package dev.spruce.checkpoint.llama2c;

import dev.spruce.checkpoint.CheckpointFormatException;

import java.nio.file.Path;

/**
 * The seven header fields of a llama2.c checkpoint and where each array lies after them.
 *
 * @param dim        hidden size
 * @param hiddenDim  MLP width
 * @param layers     decoder blocks
 * @param heads      query heads
 * @param kvHeads    key/value heads
 * @param vocabSize  vocabulary size (positive here; see {@code sharedClassifier})
 * @param seqLen     maximum sequence length
 * @param sharedClassifier the classifier is the embedding matrix (the header's vocab size was positive)
 */
public record Llama2cHeader(int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize, int seqLen,
                            boolean sharedClassifier) {

    /** The arrays after the header, in file order, with their per-file element counts. */
    public enum Array {
        TOKEN_EMBEDDING, RMS_ATT, WQ, WK, WV, WO, RMS_FFN, W1, W2, W3, RMS_FINAL, FREQ_CIS_REAL, FREQ_CIS_IMAG, WCLS
    }

    static Llama2cHeader of(Path file, int[] h) throws CheckpointFormatException {
        int dim = h[0], hidden = h[1], layers = h[2], heads = h[3], kvHeads = h[4], vocab = h[5], seq = h[6];
        boolean plausible = dim > 0 && hidden > 0 && layers > 0 && heads > 0 && kvHeads > 0 && vocab != 0 && seq > 0
                && dim % heads == 0 && heads % kvHeads == 0 && (dim / heads) % 2 == 0
                && dim <= 1 << 16 && hidden <= 1 << 18 && layers <= 1 << 10 && Math.abs((long) vocab) <= 1 << 22;
        if (!plausible) {
            throw new CheckpointFormatException(file, null, 0, "header (dim " + dim + ", hidden_dim " + hidden
                    + ", n_layers " + layers + ", n_heads " + heads + ", n_kv_heads " + kvHeads + ", vocab_size "
                    + vocab + ", seq_len " + seq + ") does not describe a llama2.c model");
        }
        return new Llama2cHeader(dim, hidden, layers, heads, kvHeads, Math.abs(vocab), seq, vocab > 0);
    }

    public int headDim() {
        return dim / heads;
    }

    public int kvDim() {
        return kvHeads * headDim();
    }

    /** Floats in {@code array} (over all layers). */
    public long floatCount(Array array) {
        long d = dim, l = layers;
        return switch (array) {
            case TOKEN_EMBEDDING -> (long) vocabSize * d;
            case RMS_ATT, RMS_FFN -> l * d;
            case WQ, WO -> l * d * d;
            case WK, WV -> l * d * kvDim();
            case W1, W2, W3 -> l * d * hiddenDim;
            case RMS_FINAL -> d;
            case FREQ_CIS_REAL, FREQ_CIS_IMAG -> (long) seqLen * headDim() / 2;
            case WCLS -> sharedClassifier ? 0 : (long) vocabSize * d;
        };
    }

    /** Float offset of {@code array} after the header. */
    public long floatOffset(Array array) {
        long offset = 0;
        for (Array a : Array.values()) {
            if (a == array) {
                return offset;
            }
            offset += floatCount(a);
        }
        throw new AssertionError(array);
    }

    /** Floats after the header in the whole file. */
    public long floatCount() {
        return floatOffset(Array.WCLS) + floatCount(Array.WCLS);
    }
}
