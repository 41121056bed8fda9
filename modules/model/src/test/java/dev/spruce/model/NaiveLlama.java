package dev.spruce.model;

import dev.spruce.checkpoint.Tensor;
import dev.spruce.checkpoint.config.ModelConfig;
import dev.spruce.checkpoint.llama.LayerWeights;
import dev.spruce.checkpoint.llama.LlamaWeights;

/**
 * A deliberately plain Llama forward pass in double precision, straight from the Hugging Face
 * modelling code's equations, with no kernels, no cache and no parallelism: the reference the
 * engine is tested against. Full causal attention over the whole sequence at once; plain RoPE only.
 * Sliced checkpoints as SliceGPT's modelling code runs them: weightless norms that divide by the
 * hidden size, and the residual multiplied from the right by each shortcut matrix as stored.
 */
final class NaiveLlama {

    private final ModelConfig c;
    private final LlamaWeights w;

    NaiveLlama(LlamaWeights w) {
        this.c = w.config();
        this.w = w;
    }

    /** Logits {@code [T][vocab]} for {@code tokens}, positions 0..T-1. */
    double[][] logits(int[] tokens) {
        int t = tokens.length;
        int d = c.hiddenSize();
        double[][] x = new double[t][];
        for (int i = 0; i < t; i++) {
            x[i] = row(w.embeddings(), tokens[i]);
        }
        for (LayerWeights l : w.layers()) {
            double[][] h = norm(x, l.inputNorm());
            double[][] q = linear(h, l.q(), l.qBias());
            double[][] k = linear(h, l.k(), l.kBias());
            double[][] v = linear(h, l.v(), l.vBias());
            for (int i = 0; i < t; i++) {
                rope(q[i], i, c.numHeads());
                rope(k[i], i, c.numKvHeads());
            }
            double[][] att = new double[t][c.queryDim()];
            int hd = c.headDim();
            int group = c.numHeads() / c.numKvHeads();
            for (int i = 0; i < t; i++) {
                for (int head = 0; head < c.numHeads(); head++) {
                    int kv = head / group;
                    double[] s = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int e = 0; e < hd; e++) {
                            dot += q[i][head * hd + e] * k[j][kv * hd + e];
                        }
                        s[j] = dot / Math.sqrt(hd);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int j = 0; j <= i; j++) {
                        for (int e = 0; e < hd; e++) {
                            att[i][head * hd + e] += s[j] / sum * v[j][kv * hd + e];
                        }
                    }
                }
            }
            x = residual(x, l.attnShortcut(), linear(att, l.o(), l.oBias()));
            double[][] h2 = norm(x, l.postAttentionNorm());
            double[][] g = linear(h2, l.gate(), l.gateBias());
            double[][] u = linear(h2, l.up(), l.upBias());
            for (int i = 0; i < t; i++) {
                for (int e = 0; e < g[i].length; e++) {
                    g[i][e] = g[i][e] / (1 + Math.exp(-g[i][e])) * u[i][e];
                }
            }
            x = residual(x, l.mlpShortcut(), linear(g, l.down(), l.downBias()));
        }
        return linear(norm(x, w.finalNorm()), w.lmHead(), null);
    }

    private void rope(double[] x, int pos, int heads) {
        int hd = c.headDim();
        int half = hd / 2;
        for (int head = 0; head < heads; head++) {
            for (int i = 0; i < half; i++) {
                double freq = Math.pow(c.ropeTheta(), -2.0 * i / hd);
                double a = pos * freq;
                double x0 = x[head * hd + i];
                double x1 = x[head * hd + i + half];
                x[head * hd + i] = x0 * Math.cos(a) - x1 * Math.sin(a);
                x[head * hd + i + half] = x1 * Math.cos(a) + x0 * Math.sin(a);
            }
        }
    }

    /** RMSNorm; a null weight is SliceGPT's weightless RMSN, whose mean of squares is over the hidden size. */
    private double[][] norm(double[][] x, Tensor weight) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            double ss = 0;
            for (double v : x[i]) {
                ss += v * v;
            }
            double r = 1 / Math.sqrt(ss / (weight == null ? c.hiddenSize() : x[i].length) + c.rmsNormEps());
            out[i] = new double[x[i].length];
            for (int e = 0; e < x[i].length; e++) {
                out[i][e] = (weight == null ? 1.0 : weight.floatAt(e)) * (x[i][e] * r);
            }
        }
        return out;
    }

    /** {@code x + d}, or {@code x · S + d} with a shortcut matrix {@code S} stored {@code [in][out]}. */
    private static double[][] residual(double[][] x, Tensor shortcut, double[][] d) {
        if (shortcut == null) {
            add(x, d);
            return x;
        }
        int in = (int) shortcut.shape().dim(0);
        int out = (int) shortcut.shape().dim(1);
        double[][] y = new double[x.length][out];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < out; j++) {
                double s = d[i][j];
                for (int e = 0; e < in; e++) {
                    s += x[i][e] * shortcut.floatAt((long) e * out + j);
                }
                y[i][j] = s;
            }
        }
        return y;
    }

    private static double[][] linear(double[][] x, Tensor weight, Tensor bias) {
        int rows = (int) weight.shape().dim(0);
        int cols = (int) weight.shape().dim(1);
        double[][] out = new double[x.length][rows];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < x.length; i++) {
                double s = bias == null ? 0 : bias.floatAt(r);
                for (int e = 0; e < cols; e++) {
                    s += weight.floatAt((long) r * cols + e) * x[i][e];
                }
                out[i][r] = s;
            }
        }
        return out;
    }

    private static double[] row(Tensor t, int r) {
        int cols = (int) t.shape().dim(1);
        double[] out = new double[cols];
        for (int e = 0; e < cols; e++) {
            out[e] = t.floatAt((long) r * cols + e);
        }
        return out;
    }

    private static void add(double[][] x, double[][] d) {
        for (int i = 0; i < x.length; i++) {
            for (int e = 0; e < x[i].length; e++) {
                x[i][e] += d[i][e];
            }
        }
    }
}
