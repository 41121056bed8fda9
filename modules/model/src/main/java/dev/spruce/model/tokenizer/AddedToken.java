package dev.spruce.model.tokenizer;

/**
 * An entry of {@code added_tokens} in {@code tokenizer.json}: a string matched whole in the input
 * before BPE, never merged with its neighbours.
 *
 * @param id         its id
 * @param content    the exact text it matches
 * @param special    a control token (BOS, EOS, chat markers): decodes to nothing
 * @param normalized matched in normalized text rather than in the input as given
 * @param lstrip     also swallows whitespace on its left
 * @param rstrip     also swallows whitespace on its right
 * @param singleWord matches only when no letter or digit touches it
 */
record AddedToken(int id, String content, boolean special, boolean normalized, boolean lstrip, boolean rstrip,
                  boolean singleWord) {

    AddedToken {
        if (content.isEmpty()) {
            throw new IllegalArgumentException("added token " + id + " is empty");
        }
    }
}
