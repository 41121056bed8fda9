package dev.spruce.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import dev.spruce.model.tokenizer.Tokenizer;

/** The perplexity protocols of DESIGN.md, so numbers are comparable with the literature's. */
public enum Protocol {

    /**
     * TinyStories validation, stories 700–999, each tokenised alone with BOS prepended and
     * concatenated; 256-token windows by default.
     */
    TS("tinystories/TinyStories-valid.first1000.txt", 256) {
        @Override
        public EvalWindows windows(Path corpus, Tokenizer tokenizer, int seqlen) throws IOException {
            List<String> stories = CorpusFiles.stories(corpus);
            if (stories.size() < EVAL_END) {
                throw new IOException(corpus + ": expected at least " + EVAL_END + " stories, found " + stories.size());
            }
            return EvalWindows.cut("ts", tokens(stories.subList(EVAL_START, EVAL_END), tokenizer), seqlen);
        }
    },

    /**
     * WikiText-2 raw test as Hugging Face {@code datasets} rows joined with blank lines, tokenised
     * once as a whole with BOS at the start; windows of min(2048, context) by default.
     */
    WT2("wikitext-2-raw/wiki.test.hf-rows-joined-nn.txt", 2048) {
        @Override
        public EvalWindows windows(Path corpus, Tokenizer tokenizer, int seqlen) throws IOException {
            return EvalWindows.cut("wt2", withBos(tokenizer, tokenizer.encode(CorpusFiles.read(corpus))), seqlen);
        }
    };

    /** The TS protocol's calibration pool is stories [0, 700); evaluation is [700, 1000). */
    public static final int EVAL_START = 700;
    public static final int EVAL_END = 1000;

    private final String corpus;
    private final int defaultSeqlen;

    Protocol(String corpus, int defaultSeqlen) {
        this.corpus = corpus;
        this.defaultSeqlen = defaultSeqlen;
    }

    /** The corpus file under the shared {@code corpora/} folder. */
    public Path corpusIn(Path corporaDir) {
        return corporaDir.resolve(corpus);
    }

    /** The protocol's window length for a model with {@code maxPositions} of context. */
    public int defaultSeqlen(int maxPositions) {
        return Math.min(defaultSeqlen, maxPositions);
    }

    /** Tokenises the corpus and cuts the evaluation windows. */
    public abstract EvalWindows windows(Path corpus, Tokenizer tokenizer, int seqlen) throws IOException;

    /** Each text tokenised alone with BOS prepended, concatenated. */
    public static int[] tokens(List<String> texts, Tokenizer tokenizer) {
        int[][] parts = new int[texts.size()][];
        int total = 0;
        for (int i = 0; i < parts.length; i++) {
            parts[i] = withBos(tokenizer, tokenizer.encode(texts.get(i)));
            total += parts[i].length;
        }
        int[] all = new int[total];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    private static int[] withBos(Tokenizer tokenizer, int[] ids) {
        if (tokenizer.bosId() < 0) {
            return ids;
        }
        int[] out = new int[ids.length + 1];
        out[0] = tokenizer.bosId();
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }
}
