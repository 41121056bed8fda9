package dev.spruce.eval;

/**
 * How often two runs over the same evaluation windows predict the same next token (argmax of the
 * logits): a direct measure of how often a sparse or compressed cache changes the answer.
 *
 * @param same        predictions equal in both runs
 * @param predictions predictions compared
 */
public record TopOneAgreement(long same, long predictions) {

    /** Compares {@code [window][position]} argmaxes of a reference run and another run of the same windows. */
    public static TopOneAgreement of(int[][] reference, int[][] other, EvalWindows w) {
        long same = 0;
        long n = 0;
        for (int i = 0; i < w.windows().size(); i++) {
            for (int p = 0; p < w.seqlen() - 1; p++) {
                if (reference[i][p] == other[i][p]) {
                    same++;
                }
                n++;
            }
        }
        return new TopOneAgreement(same, n);
    }

    /** A buffer for one run's predictions over {@code w}. */
    public static int[][] buffer(EvalWindows w) {
        return new int[w.windows().size()][w.seqlen() - 1];
    }

    /** The fraction of predictions in agreement. */
    public double fraction() {
        return predictions == 0 ? 1 : (double) same / predictions;
    }
}
