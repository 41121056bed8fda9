package dev.spruce.compress.calib;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import dev.spruce.model.tokenizer.Tokenizer;

/** Token windows for calibration, cut from one stream of tokens. */
public final class CalibrationWindows {

    /** How documents are joined into one stream. */
    public enum Join {
        /** Each document with BOS prepended (the TS protocol's stories). */
        BOS_EACH,
        /** BOS at the start, documents separated by EOS (C4 for real models, per DESIGN.md). */
        EOS_BETWEEN
    }

    private CalibrationWindows() {
    }

    /** The token stream of {@code documents} joined as {@code join} says. */
    public static int[] stream(List<String> documents, Tokenizer tokenizer, Join join) {
        int bos = tokenizer.bosId();
        int eos = tokenizer.eosIds().isEmpty() ? -1 : tokenizer.eosIds().get(0);
        IntBuffer out = new IntBuffer();
        for (int i = 0; i < documents.size(); i++) {
            if (bos >= 0 && (join == Join.BOS_EACH || i == 0)) {
                out.add(bos);
            }
            out.addAll(tokenizer.encode(documents.get(i)));
            if (join == Join.EOS_BETWEEN && eos >= 0 && i < documents.size() - 1) {
                out.add(eos);
            }
        }
        return out.toArray();
    }

    /**
     * {@code nsamples} windows starting at {@code floor(i·(L−seqlen)/(nsamples−1))}: reproducible,
     * and spread over the whole stream (DESIGN.md).
     */
    public static int[][] evenlySpaced(int[] stream, int nsamples, int seqlen) {
        check(stream, nsamples, seqlen);
        int[][] w = new int[nsamples][];
        long span = stream.length - seqlen;
        for (int i = 0; i < nsamples; i++) {
            int start = nsamples == 1 ? 0 : (int) (i * span / (nsamples - 1));
            w[i] = Arrays.copyOfRange(stream, start, start + seqlen);
        }
        return w;
    }

    /** {@code nsamples} windows at uniformly random starts, reproducible from {@code seed}. */
    public static int[][] random(int[] stream, int nsamples, int seqlen, long seed) {
        check(stream, nsamples, seqlen);
        SplittableRandom r = new SplittableRandom(seed);
        int[][] w = new int[nsamples][];
        for (int i = 0; i < nsamples; i++) {
            int start = r.nextInt(stream.length - seqlen + 1);
            w[i] = Arrays.copyOfRange(stream, start, start + seqlen);
        }
        return w;
    }

    private static void check(int[] stream, int nsamples, int seqlen) {
        if (nsamples < 1 || seqlen < 2) {
            throw new IllegalArgumentException("need nsamples ≥ 1 and seqlen ≥ 2, got " + nsamples + " × " + seqlen);
        }
        if ((long) nsamples * seqlen > stream.length) {
            throw new IllegalArgumentException("nsamples × seqlen = " + nsamples + " × " + seqlen + " = "
                    + (long) nsamples * seqlen + " tokens is more than the calibration text's " + stream.length
                    + " tokens; use fewer or shorter windows");
        }
    }

    /** A growable int array. */
    private static final class IntBuffer {
        private int[] data = new int[1024];
        private int size;

        void add(int v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }

        void addAll(int[] v) {
            if (size + v.length > data.length) {
                data = Arrays.copyOf(data, Math.max(size * 2, size + v.length));
            }
            System.arraycopy(v, 0, data, size, v.length);
            size += v.length;
        }

        int[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
